// A virtualised list of text lines (logs, diffs): only the visible lines are in the DOM. Lines are one row
// high, or, with `wrap`, as high as their wrapped text (each rendered row is measured).
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
  /** Long lines wrap instead of scrolling sideways. */
  wrap?: boolean;
}

const LINE = 18;

export function VirtualLines(props: Props) {
  const { count, renderLine, lineClass, follow, onUserScroll, scrollTo, gutter = true, wrap = false } = props;
  const ref = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count,
    getScrollElement: () => ref.current,
    estimateSize: () => LINE,
    overscan: 30,
  });
  // Rows measured while lines were not wrapped are wrong once they are (and the other way round).
  useLayoutEffect(() => v.measure(), [wrap, v]);

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
      className={wrap ? 'vlines wrap' : 'vlines'}
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
            data-index={item.index}
            ref={wrap ? v.measureElement : undefined}
            className={`vline ${lineClass?.(item.index) ?? ''}`}
            style={{ transform: `translateY(${item.start}px)`, height: wrap ? undefined : LINE }}
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
