/**
 * A build runs for seconds to minutes as one chain of promises that resolve
 * at once (the CPU backend computes synchronously). Without a real task
 * boundary now and then, nothing else gets the event loop until the build
 * ends: an AbortSignal fired by a timer (`AbortSignal.timeout`) or an event
 * never stops it, a page freezes, and the CPU backend's helper threads,
 * which start in the background, never start.
 */

/** Longest stretch of training between two turns of the event loop. */
const TURN_INTERVAL_MS = 10;

let lastTurn = 0;
let channel: MessageChannel | undefined;
const waiting: (() => void)[] = [];

/** A promise that resolves in a later task (not a microtask). */
function nextTask(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === "function") {
    // Browsers: a message is a task that setTimeout's 4 ms clamp does not delay.
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    const port = channel.port2;
    return new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Gives the event loop a turn when TURN_INTERVAL_MS have passed since the last one; otherwise returns at once. */
export async function letEventLoopRun(): Promise<void> {
  const now = performance.now();
  if (now - lastTurn < TURN_INTERVAL_MS) return;
  await nextTask();
  lastTurn = performance.now();
}
