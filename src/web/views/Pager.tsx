/** Previous / next through pages, with where you are in words. */
export function Pager({ page, pages, total, size, onPage, label }: { page: number; pages: number; total: number; size: number; onPage: (p: number) => void; label: string }) {
  if (total <= size) return null;
  const from = page * size + 1;
  const to = Math.min(total, from + size - 1);
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="secondary" disabled={page === 0} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span data-testid="pager-status">
        {from.toLocaleString()}–{to.toLocaleString()} of {total.toLocaleString()} · page {page + 1} of {pages}
      </span>
      <button type="button" class="secondary" disabled={page >= pages - 1} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}
