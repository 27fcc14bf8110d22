/** The sentence shown under a form field when the server's answer concerns that field. */
export function FieldError({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <p id={id} role="alert" className="mt-1.5 flex items-start gap-1.5 text-sm text-red-700 dark:text-red-300">
      <span aria-hidden="true">⚠</span>
      <span>{message}</span>
    </p>
  );
}
