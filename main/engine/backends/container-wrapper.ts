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
  // Docker: what the command wrote in the bind-mounted outputs becomes the desktop user's (a root container's
  // files could not be deleted by them); a non-root image user cannot chown, so its files are opened to all
  // (find, not chmod -R: busybox's stops at the folder it may not change, the desktop user's own).
  'if [ -n "$AXON_OUTPUTS_OWNER" ]; then chown -R "$AXON_OUTPUTS_OWNER" "$AXON_OUTPUTS_PATH" 2>/dev/null ||' +
    ' find "$AXON_OUTPUTS_PATH" -mindepth 1 -exec chmod a+rwX {} + 2>/dev/null; fi',
  'exit $rc',
].join('\n');

/** A container's command and the variable that carries the user's command to it. */
export function wrappedCommand(cmd: string): { command: string[]; env: { AXON_CMD: string } } {
  return { command: ['/bin/bash', '-c', WRAPPER], env: { AXON_CMD: cmd } };
}
