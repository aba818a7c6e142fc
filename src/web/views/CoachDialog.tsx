import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Coach asks whether to notify the agent (a short tone to the agent only, and the
 * agent's page says who is coaching them). A modal <dialog>: focus moves in, Escape
 * cancels, focus goes back to the button that opened it.
 */
export function CoachDialog({ agentName, switching, onStart, onCancel }: { agentName: string; switching: boolean; onStart: (notify: boolean) => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [notify, setNotify] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="coach-title" aria-describedby="coach-desc" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); onStart(notify); }}>
        <h2 id="coach-title">Coach {agentName}</h2>
        <p id="coach-desc" class="muted">
          {switching ? `On the same phone call, ${agentName} starts hearing you; the customer does not.` : `Your phone is called; once you answer, ${agentName} hears you and the customer does not.`}
        </p>
        <label class="check">
          <input type="checkbox" checked={notify} onChange={(e) => setNotify((e.currentTarget as HTMLInputElement).checked)} />
          <span>
            Notify {agentName}
            <span class="muted block">A short tone plays to {agentName} only, and their page shows that you are coaching them. Otherwise nobody is told.</span>
          </span>
        </label>
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="primary" autofocus>
            {switching ? 'Switch to coach' : 'Start coaching'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
