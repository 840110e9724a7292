/** A route's id parameter: a positive whole number written in digits, else null (`abc`, `1.5`, `-3`, `1e3`,
 * empty). Pages check it before they call the engine. */
export function parseId(param: string | undefined): number | null {
  if (!param || !/^[1-9][0-9]{0,14}$/.test(param)) return null;
  return Number(param);
}

/** The address of a project's page: `#/projects/NAME`, or `#/projects/OWNER/NAME` on a shared engine. */
export function projectPath(name: string): string {
  return `/projects/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** The project a `/projects/:name` or `/projects/:owner/:name` route names. */
export function projectParam(params: { owner?: string; name?: string }): string {
  const name = decodeURIComponent(params.name ?? '');
  return params.owner ? `${decodeURIComponent(params.owner)}/${name}` : name;
}
