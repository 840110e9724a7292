// The height that makes an element reach the bottom of the window from where it starts on the page (less
// `bottom` for what follows it), never under `min`: the runs table and the log viewer fill the window instead
// of a fixed share of it. Follows window resizes and changes of the page above the element.
import { useEffect, useState, type RefObject } from 'react';

export function useFillHeight(ref: RefObject<HTMLElement | null>, bottom: number, min: number): number {
  const [height, setHeight] = useState(min);
  useEffect(() => {
    const measure = () => {
      const el = ref.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top + window.scrollY;
      const h = Math.max(min, Math.floor(window.innerHeight - top - bottom));
      setHeight((old) => (old === h ? old : h));
    };
    measure();
    window.addEventListener('resize', measure);
    // What is above may grow or shrink (a panel opens, a list loads); the element's own growth does not move
    // its top, so this settles at once.
    const ro = new ResizeObserver(measure);
    ro.observe(document.body);
    return () => {
      window.removeEventListener('resize', measure);
      ro.disconnect();
    };
  }, [ref, bottom, min]);
  return height;
}
