// A distributed run's replicas on Kubernetes each write into their own pod's outputs folder (an emptyDir: a
// cluster has no folder they could share), and each is copied into the run's one outputs folder when it ends.
// Where Docker's shared folder would let the last writer win silently, nothing is lost here: a file that two
// replicas of the run both wrote is kept for each, the master's under its name and another's beside it as
// `NAME.<replica>` (worker-1, ps-0). Files from before the run (a resume's) are overwritten as usual. Who
// holds which name is kept in the run's folder (`outputs-merge.json`), so an engine restarted mid-run merges
// the replicas that end after it the same way.
import fs from 'node:fs';
import path from 'node:path';

export const MASTER = 'master-0';

export class OutputsMerge {
  /** Relative path → the replica of this run whose copy holds that name. */
  private owner = new Map<string, string>();

  /** `root`: the outputs folder; `file`: where the owners are kept between engines. */
  constructor(
    private readonly root: string,
    private readonly file: string,
  ) {
    try {
      this.owner = new Map(
        Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>),
      );
    } catch {
      /* none yet (or unreadable: the merge starts afresh) */
    }
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.owner)));
    fs.renameSync(tmp, this.file);
  }

  /**
   * Where `replica`'s copy of `rel` goes (relative to the root), moving an earlier replica's copy aside when
   * the master takes its name. `note` is told of each file kept aside, for the run's log.
   */
  async place(replica: string, rel: string, note: (text: string) => void): Promise<string> {
    const prev = this.owner.get(rel);
    if (prev === replica) return rel;
    if (!prev) {
      this.owner.set(rel, replica);
      this.save();
      return rel;
    }
    if (replica !== MASTER) {
      note(`${replica} also wrote ${rel}: kept as ${rel}.${replica} (${prev}'s is ${rel})`);
      this.owner.set(`${rel}.${replica}`, replica);
      this.save();
      return `${rel}.${replica}`;
    }
    const aside = `${rel}.${prev}`;
    await fs.promises.rename(path.join(this.root, rel), path.join(this.root, aside)).catch(() => undefined);
    this.owner.set(aside, prev);
    this.owner.set(rel, replica);
    this.save();
    note(`${prev} also wrote ${rel}: kept as ${aside} (the master's is ${rel})`);
    return rel;
  }
}
