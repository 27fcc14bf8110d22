import type { DownloadProgress as Progress } from './api-client';
import { formatSize } from './format-size';

/**
 * Progress while `RETR` streams a message: bytes received of bytes expected. The bar is drawn
 * from the same rounded percent as the words, with no transition on its width: an animated
 * width restarts on every update and lags the number beside it.
 */
export function DownloadProgress({ progress, expected }: { progress: Progress | null; expected: number }) {
  const total = progress?.total || expected;
  const received = Math.min(progress?.received ?? 0, total);
  const percent = total > 0 ? Math.round((received / total) * 100) : 0;
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <p id="download-progress-label" className="mb-2 flex justify-between text-sm">
        <span className="font-medium">Downloading the message…</span>
        <span className="text-slate-600 tabular-nums dark:text-slate-400" data-testid="download-progress-text">
          {progress ? `${formatSize(received)} of ${formatSize(total)} (${percent}%)` : `${formatSize(total)} to fetch`}
        </span>
      </p>
      {progress ? (
        <div
          id="download-progress"
          role="progressbar"
          aria-labelledby="download-progress-label"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
        >
          <div data-testid="download-progress-fill" className="h-full bg-sky-700 dark:bg-sky-400" style={{ width: `${percent}%` }} />
        </div>
      ) : (
        <progress id="download-progress" aria-labelledby="download-progress-label" className="progress-bar h-2 w-full" />
      )}
    </div>
  );
}
