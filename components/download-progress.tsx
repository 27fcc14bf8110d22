import type { DownloadProgress as Progress } from './api-client';
import { formatSize } from './format-size';

/** Progress while `RETR` streams a message: bytes received of bytes expected. */
export function DownloadProgress({ progress, expected }: { progress: Progress | null; expected: number }) {
  const total = progress?.total || expected;
  const received = Math.min(progress?.received ?? 0, total);
  const percent = total > 0 ? Math.round((received / total) * 100) : 0;
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <label htmlFor="download-progress" className="mb-2 flex justify-between text-sm">
        <span className="font-medium">Downloading the message…</span>
        <span className="text-slate-600 tabular-nums dark:text-slate-400">
          {progress ? `${formatSize(received)} of ${formatSize(total)} (${percent}%)` : `${formatSize(total)} to fetch`}
        </span>
      </label>
      {progress ? (
        <progress id="download-progress" max={total} value={received} className="progress-bar h-2 w-full" />
      ) : (
        <progress id="download-progress" className="progress-bar h-2 w-full" />
      )}
    </div>
  );
}
