import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-full max-w-md flex-col items-start justify-center gap-4 px-4">
      <h1 className="text-2xl font-semibold">Nothing here</h1>
      <p className="text-slate-700 dark:text-slate-300">This page does not exist.</p>
      <Link href="/" className="btn btn-primary">
        Go to the inbox
      </Link>
    </main>
  );
}
