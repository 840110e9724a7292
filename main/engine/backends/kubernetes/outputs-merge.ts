// A distributed run's replicas on Kubernetes each write into their own pod's outputs folder (an emptyDir: a
// cluster has no folder they could share), and each is copied into the run's one outputs folder when it ends.
// Where Docker's shared folder would let the last writer win silently, nothing is lost here: a file that two
// replicas of the run both wrote is kept for each, the master's under its name and another's beside it as
// `NAME.<replica>` (worker-1, ps-0); a name one replica used for a file and another for a folder is kept by
// the first, the other's under `NAME.<replica>`; a name already taken gets `.2`, `.3`. Files from before the
// run (a resume's) are overwritten as usual. Who holds which name is kept in the run's folder
// (`outputs-merge.json`), so an engine restarted mid-run, or a copy tried again, places each file the same way.
import fs from 'node:fs';
import path from 'node:path';

export const MASTER = 'master-0';

/** Who holds a name in the outputs folder, and the path that replica wrote it as. */
interface Held {
  replica: string;
  from: string;
}

export class OutputsMerge {
  /** Name in the outputs folder → who holds it. */
  private held = new Map<string, Held>();
  /** Folders the placed names make (every proper prefix). */
  private dirs = new Set<string>();
  /** Replica + path it wrote → the name it was given (a copy tried again places it the same way). */
  private given = new Map<string, string>();
  /** Folder clashes already told, once per replica and folder. */
  private told = new Set<string>();

  /** `root`: the outputs folder; `file`: where the owners are kept between engines. */
  constructor(
    private readonly root: string,
    private readonly file: string,
  ) {
    let saved: Record<string, Held | string> = {};
    try {
      saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Held | string>;
    } catch {
      /* none yet (or unreadable: the merge starts afresh) */
    }
    // (A bare replica name is how the first version kept it.)
    for (const [name, h] of Object.entries(saved))
      this.hold(name, typeof h === 'string' ? { replica: h, from: name } : h);
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.held)));
    fs.renameSync(tmp, this.file);
  }

  private hold(name: string, h: Held): void {
    this.held.set(name, h);
    this.given.set(`${h.replica}\0${h.from}`, name);
    for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) this.dirs.add(name.slice(0, i));
  }

  /** `base`, or `base.2`, `base.3`… whichever is neither a placed file nor a folder. */
  private free(base: string): string {
    const taken = (n: string) => this.held.has(n) || this.dirs.has(n);
    if (!taken(base)) return base;
    let i = 2;
    while (taken(`${base}.${i}`)) i++;
    return `${base}.${i}`;
  }

  /**
   * Where `replica`'s copy of `rel` goes (relative to the root), moving an earlier replica's copy aside when
   * the master takes its name. `note` is told of each file kept aside, with the replica whose log it is for
   * (the one whose copy went aside).
   */
  async place(replica: string, rel: string, note: (text: string, whose: string) => void): Promise<string> {
    const again = this.given.get(`${replica}\0${rel}`);
    if (again) return again;
    let name = rel;
    // A folder where another replica put a file (or the reverse): the later one goes beside it.
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const file = this.held.get(dir);
      if (!file) continue;
      const aside = this.folderAside(replica, dir);
      name = [aside, ...parts.slice(i)].join('/');
      if (!this.told.has(`${replica}\0${dir}`)) {
        this.told.add(`${replica}\0${dir}`);
        note(
          `${replica} wrote a folder ${dir}/ where ${file.replica} wrote a file: its files are in ${aside}/`,
          replica,
        );
      }
      break;
    }
    if (name === rel && this.dirs.has(rel)) {
      name = this.free(`${rel}.${replica}`);
      note(`${replica} wrote a file ${rel} where the merged outputs have a folder: kept as ${name}`, replica);
    }
    const prev = this.held.get(name);
    if (!prev) {
      this.hold(name, { replica, from: rel });
      this.save();
      return name;
    }
    if (replica !== MASTER) {
      const aside = this.free(`${name}.${replica}`);
      // Another replica's copy holds the name only until the master's comes, if the master wrote one too.
      const holder =
        prev.replica === MASTER ? "the master's" : `${prev.replica}'s, unless the master wrote one too`;
      note(`${replica} also wrote ${name}: kept as ${aside} (${name} is ${holder})`, replica);
      this.hold(aside, { replica, from: rel });
      this.save();
      return aside;
    }
    // The master holds the name: the earlier copy moves aside.
    const aside = this.free(`${name}.${prev.replica}`);
    await fs.promises.rename(path.join(this.root, name), path.join(this.root, aside)).catch(() => undefined);
    this.hold(aside, prev);
    this.hold(name, { replica, from: rel });
    this.save();
    note(`${prev.replica} also wrote ${name}: moved to ${aside} (the master's is ${name})`, prev.replica);
    return name;
  }

  /** Whether another replica of this run holds `rel` (a file, or a folder of its files). */
  placedByOthers(replica: string, rel: string): boolean {
    const h = this.held.get(rel);
    if (h) return h.replica !== replica;
    if (!this.dirs.has(rel)) return false;
    for (const [name, x] of this.held) if (name.startsWith(`${rel}/`) && x.replica !== replica) return true;
    return false;
  }

  /** The folder a replica's files under `dir` go to when another replica's file holds `dir`: the same one for
   *  all of them (an earlier file of this replica under it may have chosen it already). */
  private folderAside(replica: string, dir: string): string {
    for (const [name, h] of this.held)
      if (h.replica === replica && h.from.startsWith(`${dir}/`)) {
        const rest = h.from.slice(dir.length);
        if (name.endsWith(rest)) return name.slice(0, name.length - rest.length);
      }
    return this.free(`${dir}.${replica}`);
  }
}
