import { useEffect, useRef, useState } from 'react';

/**
 * For sliders that edit synced values: send at most one edit per `intervalMs` while
 * dragging, and always the final value. Keeps a drag well inside the server's rate limit.
 */
export function useThrottledCommit<T>(commit: (value: T) => void, intervalMs = 80): (value: T) => void {
  const last = useRef(0);
  const pending = useRef<{ value: T } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const commitRef = useRef(commit);
  commitRef.current = commit;
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return (value: T) => {
    const now = Date.now();
    if (now - last.current >= intervalMs) {
      last.current = now;
      // A timer that fires late (a busy page) must not send an older value after this one.
      pending.current = null;
      commitRef.current(value);
      return;
    }
    pending.current = { value };
    if (timer.current) return;
    timer.current = setTimeout(
      () => {
        timer.current = null;
        last.current = Date.now();
        if (pending.current) commitRef.current(pending.current.value);
        pending.current = null;
      },
      intervalMs - (now - last.current),
    );
  };
}

/**
 * A throttled slider's value and setter: it shows what was last set until that is
 * committed, then the stored value again. Without it, a controlled range input is put
 * back to the stored value while an edit waits, and the next arrow key steps from there:
 * keys pressed within `intervalMs` of each other (a held arrow key repeats every ~33 ms)
 * were lost.
 */
export function useThrottledValue<T>(stored: T, commit: (value: T) => void, intervalMs = 80): [T, (value: T) => void] {
  const [held, setHeld] = useState<{ value: T } | null>(null);
  const throttled = useThrottledCommit((value: T) => {
    commit(value);
    setHeld(null);
  }, intervalMs);
  return [
    held ? held.value : stored,
    (value: T) => {
      setHeld({ value });
      throttled(value);
    },
  ];
}
