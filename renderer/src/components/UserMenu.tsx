// The signed-in user's menu in the header (only under `axon serve --auth`): who they are, their
// organizations, their API tokens, sign out. A disclosure button and a list of links (not an ARIA menu: Tab
// moves through it like any links); Escape and a click outside close it.
import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { useSession } from '../stores/session';

export function UserMenu() {
  const who = useSession((s) => s.who);
  const signOut = useSession((s) => s.signOut);
  const refresh = useSession((s) => s.refresh);
  const [open, setOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const { pathname } = useLocation();
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);
  if (!who?.user) return null;
  const { user, organizations } = who;

  return (
    <div className="user-menu" ref={box}>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls="user-menu-body"
        aria-label={`${user.username}: account menu`}
        onClick={() => {
          // Organizations joined or left since the sign-in show when the menu opens.
          if (!open) void refresh();
          setOpen(!open);
        }}
      >
        <span className="user-avatar" aria-hidden="true" />
        {user.username} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div id="user-menu-body" className="menu-body user-menu-body">
          <p className="user-menu-who">
            Signed in as <strong>{user.username}</strong>
            {user.superuser && <span className="badge badge-info">superuser</span>}
            {user.email && <span className="muted small">{user.email}</span>}
          </p>
          <h2 className="user-menu-head">Organizations</h2>
          {organizations.length ? (
            <ul className="plain">
              {organizations.map((o) => (
                <li key={o.name}>
                  <Link to={`/orgs/${encodeURIComponent(o.name)}`}>{o.name}</Link>{' '}
                  <span className="muted small">{o.role}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">You belong to no organization.</p>
          )}
          <Link to="/orgs">All organizations</Link>
          <hr />
          <Link to="/account/tokens">API tokens</Link>
          <button
            type="button"
            className="link"
            disabled={leaving}
            onClick={() => {
              setLeaving(true);
              void signOut();
            }}
          >
            {leaving ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      )}
    </div>
  );
}
