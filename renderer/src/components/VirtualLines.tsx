// A virtualised list of fixed-height text lines (logs, diffs): only the visible lines are in the DOM.
import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

interface Props {
  label: string;
  count: number;
  /** Bumped whenever lines are added, so that following scrolls to the end. */
  version?: number;
  renderLine(index: number): ReactNode;
  lineClass?(index: number): string | undefined;
  /** Keep the last line in view as lines arrive. */
  follow?: boolean;
  /** Called when the user scrolls: `atEnd` says whether the view is at the last line. */
  onUserScroll?(atEnd: boolean): void;
  /** Scroll this line into view (search results). */
  scrollTo?: number | null;
  height?: number | string;
  gutter?: boolean;
}

const LINE = 18;

export function VirtualLines(props: Props) {
  const { count, renderLine, lineClass, follow, onUserScroll, scrollTo, gutter = true } = props;
  const ref = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count,
    getScrollElement: () => ref.current,
    estimateSize: () => LINE,
    overscan: 30,
  });

  useLayoutEffect(() => {
    if (follow && count > 0) {
      v.scrollToIndex(count - 1, { align: 'end' });
    }
  }, [follow, count, props.version, v]);

  useEffect(() => {
    if (scrollTo != null && scrollTo >= 0 && scrollTo < count) {
      v.scrollToIndex(scrollTo, { align: 'center' });
    }
  }, [scrollTo, count, v]);

  const digits = String(count).length;

  return (
    <div
      ref={ref}
      className="vlines"
      role="log"
      aria-label={props.label}
      tabIndex={0}
      style={{ height: props.height ?? 420 }}
      onScroll={(e) => {
        const el = e.currentTarget;
        onUserScroll?.(el.scrollTop + el.clientHeight >= el.scrollHeight - LINE * 1.5);
      }}
    >
      <div style={{ height: v.getTotalSize(), position: 'relative', minWidth: '100%' }}>
        {v.getVirtualItems().map((item) => (
          <div
            key={item.index}
            className={`vline ${lineClass?.(item.index) ?? ''}`}
            style={{ transform: `translateY(${item.start}px)`, height: LINE }}
          >
            {gutter && (
              <span className="vline-no" aria-hidden="true" style={{ width: `${digits + 1}ch` }}>
                {item.index + 1}
              </span>
            )}
            <span className="vline-text">{renderLine(item.index)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
