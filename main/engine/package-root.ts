// The folder of Axon's package.json, found from this file wherever it runs from (the TypeScript sources, or
// the CLI bundle in dist/), so the tracking client and the renderer build are found either way.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let d = from; ; d = path.dirname(d)) {
    try {
      if (
        (JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')) as { name?: string }).name ===
        'axon'
      )
        return d;
    } catch {
      /* keep looking upward */
    }
    if (path.dirname(d) === d) throw new Error(`Axon's package.json was not found above ${from}`);
  }
}

export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
