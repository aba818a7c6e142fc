/** A refusal the API gave to something just tried, next to the control that tried it. */
export function ActionError({ id, message }: { id: string; message: string }) {
  if (!message) return null;
  return (
    <p id={id} class="error" role="alert">
      {message}
    </p>
  );
}
