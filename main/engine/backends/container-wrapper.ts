// How a container (Docker) or a pod's `main` container (Kubernetes) runs the command: under a small shell wrapper
// that is PID 1, because a PID 1 ignores signals it has no handler for, and `docker stop` or a stop over exec
// sends SIGTERM to PID 1. TERM or INT is passed to every process of the container (`kill -1` from PID 1: all
// but itself), not only to its child: a compound command (`python3 train.py && echo done`, a pipe) has a shell
// between PID 1 and the program, and the program must get the SIGTERM too, to checkpoint, as it does on the
// local backend. (A process group would need job control, which busybox's and dash's shells refuse without a
// terminal.) After a stop the wrapper waits until every process has ended (the shell between may die at once
// while the program still writes its checkpoint; the container ending would SIGKILL it); the stop's grace
// period bounds that wait. It exits with the command's status (143 when it was terminated).
export const WRAPPER = [
  // The trap first: a stop that comes as the command starts must find it (a PID 1 without one ignores the
  // SIGTERM). The command's exec resets it to the default in the child.
  "t=; trap 't=1; kill -TERM -1 2>/dev/null' TERM INT",
  // The wrapper's own stderr goes nowhere, the command's to the container's: the shell's job notices
  // ("Killed" when a memory limit or a stop's SIGKILL ends the command) are not the run's output.
  'exec 3>&2 2>/dev/null',
  '/bin/bash -c "$AXON_CMD" 2>&3 3>&- & p=$!',
  'while :; do wait $p; rc=$?; kill -0 $p 2>/dev/null || break; done',
  'if [ -n "$t" ]; then while kill -0 -1 2>/dev/null; do sleep 0.2; done; fi',
  // Docker: what the command wrote in the bind-mounted outputs goes back to the outputs folder's owner (as the
  // container sees it: the desktop user on a rootful Docker; root, which is that user, on a rootless one), or
  // to AXON_OUTPUTS_OWNER's uid:gid; only what another owns is touched. A non-root image user cannot chown:
  // its own files are opened to all instead, so the desktop user can still delete them; so are a root
  // container's when the folder's owner reads as the overflow uid 65534 (userns-remap: the desktop user has
  // no uid in the container, and a chown to its subuid would not be theirs either).
  'if [ -n "$AXON_OUTPUTS_OWNER" ]; then',
  '  P=$AXON_OUTPUTS_PATH; o=$AXON_OUTPUTS_OWNER; [ "$o" = folder ] && o=$(stat -c %u:%g "$P")',
  '  if [ "$(id -u)" = 0 ] && [ "${o%%:*}" != 65534 ]; then find "$P" -mindepth 1 \\( ! -user "${o%%:*}" -o ! -group "${o#*:}" \\) -exec chown -h "$o" {} +',
  '  else find "$P" -mindepth 1 -user "$(id -u)" ! -type l -exec chmod a+rwX {} +; fi',
  'fi',
  'exit $rc',
].join('\n');

/** A container's command and the variable that carries the user's command to it. */
export function wrappedCommand(cmd: string): { command: string[]; env: { AXON_CMD: string } } {
  return { command: ['/bin/bash', '-c', WRAPPER], env: { AXON_CMD: cmd } };
}
