// ARIA tabs: ←/→/Home/End move between tabs (automatic activation), the panel follows.
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

interface Props {
  tabs: ReadonlyArray<{ id: string; label: string }>;
  current: string;
  onChange(id: string): void;
  label: string;
  children: ReactNode;
}

export function Tabs({ tabs, current, onChange, label, children }: Props) {
  const list = useRef<HTMLDivElement>(null);
  function onKeyDown(e: KeyboardEvent) {
    // From the focused tab, not `current`: a second key press can come before the selection re-renders.
    const focused = tabs.findIndex((t) => `tab-${t.id}` === (e.target as HTMLElement).id);
    const i = focused >= 0 ? focused : tabs.findIndex((t) => t.id === current);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    onChange(next.id);
    list.current?.querySelector<HTMLElement>(`#tab-${next.id}`)?.focus();
  }
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} ref={list} className="tablist" onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={t.id === current}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === current ? 0 : -1}
            onClick={() => onChange(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${current}`} aria-labelledby={`tab-${current}`} className="tabpanel">
        {children}
      </div>
    </div>
  );
}
