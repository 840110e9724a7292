/** A route's id parameter: a positive whole number written in digits, else null (`abc`, `1.5`, `-3`, `1e3`,
 * empty). Pages check it before they call the engine. */
export function parseId(param: string | undefined): number | null {
  if (!param || !/^[1-9][0-9]{0,14}$/.test(param)) return null;
  return Number(param);
}
