// The frame around every signed-in page: the product name, navigation and signing out.
import type { ReactNode } from 'react';
import { Link, paths, type Route } from '../router.js';
import { setApiKey } from '../session.js';

const NAV = [
  { page: 'batches', label: 'Batches', to: paths.batches() },
  { page: 'files', label: 'Files', to: paths.files() },
  { page: 'models', label: 'Models', to: paths.models() },
] as const;

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const current = route.page === 'batch' ? 'batches' : route.page;
  return (
    <>
      <header className="topbar">
        <Link to={paths.batches()} className="brand">
          batchgate
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.page}>
                <Link to={item.to} aria-current={current === item.page ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={() => setApiKey(null)}>
          Sign out
        </button>
      </header>
      <main>{children}</main>
    </>
  );
}
