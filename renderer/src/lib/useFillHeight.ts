// The height that makes an element reach the bottom of the window from where it starts on the page (less
// `bottom` for what follows it), never under `min`: the runs table and the log viewer fill the window instead
// of a fixed share of it. Follows window resizes and changes of the page above the element.
//
// Returns a callback ref: the element may mount after the page (once its data is there), and is measured then.
import { useEffect, useState } from 'react';

export function useFillHeight(bottom: number, min: number): [(el: HTMLElement | null) => void, number] {
  const [el, setEl] = useState<HTMLElement | null>(null);
  const [height, setHeight] = useState(min);
  useEffect(() => {
    if (!el) return;
    const measure = () => {
      const top = el.getBoundingClientRect().top + window.scrollY;
      const h = Math.max(min, Math.floor(window.innerHeight - top - bottom));
      setHeight((old) => (old === h ? old : h));
    };
    measure();
    window.addEventListener('resize', measure);
    // What is above may grow or shrink (a panel opens, a list loads): the page around it changes size. The
    // element's own growth does not move its top, so this settles at once.
    const ro = new ResizeObserver(measure);
    ro.observe(el.closest('.page') ?? document.body);
    return () => {
      window.removeEventListener('resize', measure);
      ro.disconnect();
    };
  }, [el, bottom, min]);
  return [setEl, height];
}
