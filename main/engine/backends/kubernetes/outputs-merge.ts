// A distributed run's replicas on Kubernetes each write into their own pod's outputs folder (an emptyDir: a
// cluster has no folder they could share), and each is copied into the run's one outputs folder when it ends.
// Where Docker's shared folder would let the last writer win silently, nothing is lost here: a file that two
// replicas of the run both wrote is kept for each, the master's under its name and another's beside it as
// `NAME.<replica>` (worker-1, ps-0). Files from before the run (a resume's) are overwritten as usual.
import fs from 'node:fs';
import path from 'node:path';

export const MASTER = 'master-0';

export class OutputsMerge {
  /** Relative path → the replica of this run whose copy holds that name. */
  private owner = new Map<string, string>();

  constructor(private readonly root: string) {}

  /**
   * Where `replica`'s copy of `rel` goes (relative to the root), moving an earlier replica's copy aside when
   * the master takes its name. `note` is told of each file kept aside, for the run's log.
   */
  async place(replica: string, rel: string, note: (text: string) => void): Promise<string> {
    const prev = this.owner.get(rel);
    if (!prev || prev === replica) {
      this.owner.set(rel, replica);
      return rel;
    }
    if (replica !== MASTER) {
      note(`${replica} also wrote ${rel}: kept as ${rel}.${replica} (${prev}'s is ${rel})`);
      this.owner.set(`${rel}.${replica}`, replica);
      return `${rel}.${replica}`;
    }
    const aside = `${rel}.${prev}`;
    await fs.promises.rename(path.join(this.root, rel), path.join(this.root, aside)).catch(() => undefined);
    this.owner.set(aside, prev);
    this.owner.set(rel, replica);
    note(`${prev} also wrote ${rel}: kept as ${aside} (the master's is ${rel})`);
    return rel;
  }
}
