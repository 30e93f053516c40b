// The app: sign-in, the shell with its navigation, and the pages under it.
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { api, sessions, signedOut, signOut } from './api/client';
import type { Session } from './api/session';
import { openedBusiness, WorkspaceContext } from './context';
import { SignIn } from './pages/sign-in';
import { AcceptInvite } from './pages/accept-invite';
import { Overview } from './pages/overview';
import { Calls } from './pages/calls';
import { CallPage } from './pages/call';
import { Leads } from './pages/leads';
import { LeadPage } from './pages/lead';
import { Clients } from './pages/clients';
import { ClientPage } from './pages/client';
import { Agent } from './pages/agent';
import { Knowledge } from './pages/knowledge';
import { KnowledgeDocumentPage } from './pages/knowledge-document';
import { Integrations } from './pages/integrations';
import { Businesses } from './pages/businesses';
import { must, useLoad } from './ui/load';
import { Failure, Loading } from './ui/parts';

export function App() {
  return (
    <LocationProvider>
      <Gate />
    </LocationProvider>
  );
}

/** Resumes a session after a reload, and sends anyone signed out to sign-in with the page remembered. */
function Gate() {
  const { path, url, route } = useLocation();
  const [session, setSession] = useState<Session | null>(sessions.session);
  const [resuming, setResuming] = useState(!sessions.session && !!sessions.refreshToken);

  useEffect(() => sessions.subscribe(setSession), []);
  useEffect(() => {
    if (!resuming) return;
    // A failed exchange that was not a refusal keeps the token; this tab goes to sign-in.
    sessions
      .refresh()
      .catch(() => null)
      .finally(() => setResuming(false));
  }, [resuming]);
  useEffect(() => {
    const out = () => {
      const here = window.location.pathname + window.location.search;
      if (!here.startsWith('/sign-in')) route(`/sign-in?next=${encodeURIComponent(here)}`, true);
    };
    signedOut.addEventListener('signed-out', out);
    return () => signedOut.removeEventListener('signed-out', out);
  }, [route]);

  if (resuming) return <Loading what="your session" />;
  if (path === '/sign-in') return <SignIn />;
  if (path === '/accept-invite') return <AcceptInvite />;
  if (!session) return <Redirect to={`/sign-in?next=${encodeURIComponent(url)}`} />;
  return <Shell session={session} />;
}

function Shell({ session }: { session: Session }) {
  const { path, route } = useLocation();
  const platform = session.role === 'platform_admin';
  const [opened, setOpened] = useState(openedBusiness.get());
  const businessId = session.homeBusinessId ?? opened;
  if (platform && (path === '/businesses' || !businessId)) {
    return (
      <Frame session={session} businessName={null}>
        <Businesses
          onOpen={(id) => {
            openedBusiness.set(id);
            setOpened(id);
            route('/');
          }}
        />
      </Frame>
    );
  }
  return <BusinessShell session={session} businessId={businessId!} />;
}

function BusinessShell({ session, businessId }: { session: Session; businessId: string }) {
  const business = useLoad(async () => must(await api.GET('/api/businesses/{id}', { params: { path: { id: businessId } } })), [businessId]);
  if (business.state !== 'ready') {
    return (
      <Frame session={session} businessName={null}>
        {business.state === 'loading' ? <Loading what="the business" /> : <Failure error={business.error} retry={business.reload} />}
      </Frame>
    );
  }
  const workspace = {
    session,
    businessId,
    business: business.data,
    canWrite: session.role !== 'business_member',
    reloadBusiness: business.reload,
  };
  return (
    <WorkspaceContext.Provider value={workspace}>
      <Frame session={session} businessName={business.data.name}>
        <Router>
          <Route path="/" component={Overview} />
          <Route path="/calls" component={Calls} />
          <Route path="/calls/:id" component={CallPage} />
          <Route path="/leads" component={Leads} />
          <Route path="/leads/:id" component={LeadPage} />
          <Route path="/clients" component={Clients} />
          <Route path="/clients/:id" component={ClientPage} />
          <Route path="/agent" component={Agent} />
          <Route path="/knowledge" component={Knowledge} />
          <Route path="/knowledge/:id" component={KnowledgeDocumentPage} />
          <Route path="/integrations" component={Integrations} />
          <Route default component={NotFound} />
        </Router>
      </Frame>
    </WorkspaceContext.Provider>
  );
}

const NAV = [
  ['/', 'Overview'],
  ['/calls', 'Calls'],
  ['/leads', 'Leads'],
  ['/clients', 'Clients'],
  ['/agent', 'Agent'],
  ['/knowledge', 'Knowledge'],
  ['/integrations', 'Integrations'],
] as const;

function Frame({ session, businessName, children }: { session: Session; businessName: string | null; children: preact.ComponentChildren }) {
  const { path, route } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const current = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <div class="frame">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">StudioConnect AI</span>
        {businessName && <span class="business-name">{businessName}</span>}
        <button type="button" class="menu-toggle secondary" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
      </header>
      <nav id="nav" class={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Main">
        {businessName && (
          <ul>
            {NAV.map(([href, text]) => (
              <li key={href}>
                <a href={href} aria-current={current(href) ? 'page' : undefined}>
                  {text}
                </a>
              </li>
            ))}
          </ul>
        )}
        <ul class="nav-foot">
          {session.role === 'platform_admin' && (
            <li>
              <a href="/businesses" aria-current={path === '/businesses' ? 'page' : undefined}>
                All businesses
              </a>
            </li>
          )}
          <li>
            <button
              type="button"
              class="link"
              onClick={async () => {
                await signOut();
                openedBusiness.clear();
                route('/sign-in');
              }}
            >
              Sign out
            </button>
          </li>
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Back to the overview</a>.
      </p>
    </section>
  );
}
