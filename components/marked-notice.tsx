import { Icon } from './icon';

interface MarkedNoticeProps {
  /** The message was read before it was marked, and is still on screen. */
  shown: boolean;
  onKeep: () => void;
}

/**
 * Says that the open message is marked for deletion, with the one thing to do about it. The server
 * does not send a marked message (RETR and TOP fail until the mark is off), so the views do not ask
 * for one: this notice stands where its text would be, and Keep brings it.
 */
export function MarkedNotice({ shown, onKeep }: MarkedNoticeProps) {
  return (
    <div
      data-testid="marked-notice"
      className="flex flex-wrap items-center gap-x-4 gap-y-2 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950/50 dark:text-red-100"
    >
      <p className="min-w-0 flex-1 basis-56">
        <strong className="font-semibold">Marked for deletion.</strong>{' '}
        {shown ? 'It is deleted from the server when you apply the marks.' : 'The mail server does not send a message marked for deletion: keep it to read it.'}
      </p>
      <button type="button" className="btn btn-secondary" onClick={onKeep}>
        <Icon name="undo" />
        Keep
      </button>
    </div>
  );
}
