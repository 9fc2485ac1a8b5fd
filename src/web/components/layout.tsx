import { AppShell, Burger, Button, Group, NavLink, SegmentedControl, Stack, Text } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import type { Role } from '../api/types.ts';
import { isStaff, useSignedIn, useSession } from '../lib/session.tsx';

interface NavItem {
  to: string;
  label: string;
  roles: (roles: readonly Role[]) => boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: 'nav.dashboard', roles: isStaff },
  { to: '/programs', label: 'nav.programs', roles: isStaff },
  { to: '/cohorts', label: 'nav.cohorts', roles: isStaff },
  { to: '/people', label: 'nav.people', roles: isStaff },
  { to: '/calendar', label: 'nav.calendar', roles: isStaff },
  { to: '/attendance', label: 'nav.attendance', roles: isStaff },
  { to: '/absences', label: 'nav.absences', roles: isStaff },
  { to: '/imports', label: 'nav.imports', roles: isStaff },
  { to: '/api-keys', label: 'nav.apiKeys', roles: (r) => r.includes('admin') },
  { to: '/outbox', label: 'nav.outbox', roles: isStaff },
  { to: '/analytics/risk', label: 'nav.risk', roles: (r) => isStaff(r) || r.includes('trainer') },
  { to: '/analytics/models', label: 'nav.models', roles: isStaff },
  { to: '/analytics/objections', label: 'nav.objections', roles: isStaff },
  { to: '/questionnaires', label: 'nav.questionnaires', roles: isStaff },
  { to: '/questionnaires/struggling', label: 'nav.struggling', roles: isStaff },
  { to: '/my/calendar', label: 'nav.myCalendar', roles: (r) => !isStaff(r) && r.includes('trainer') },
  { to: '/my/cohorts', label: 'nav.myCohorts', roles: (r) => !isStaff(r) && r.includes('trainer') },
  { to: '/my/live', label: 'nav.myLive', roles: (r) => !isStaff(r) && r.includes('trainer') },
  { to: '/my/sessions', label: 'nav.mySessions', roles: (r) => !isStaff(r) && !r.includes('trainer') },
  { to: '/my/absences', label: 'nav.myAbsences', roles: (r) => !isStaff(r) && !r.includes('trainer') },
  { to: '/my/risk', label: 'nav.myRisk', roles: (r) => !isStaff(r) && !r.includes('trainer') },
];

/** The home page of a role: dashboard for staff, calendar for trainers, own sessions for learners. */
export function homeFor(roles: readonly Role[]): string {
  if (isStaff(roles)) return '/';
  if (roles.includes('trainer')) return '/my/calendar';
  return '/my/sessions';
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('common.language')}
      value={i18n.language.startsWith('en') ? 'en' : 'fr'}
      onChange={(lng) => void i18n.changeLanguage(lng)}
      data={[
        { value: 'fr', label: 'FR' },
        { value: 'en', label: 'EN' },
      ]}
    />
  );
}

export function AppLayout() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const { signOut } = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const navigate = useNavigate();
  const roles = session.person.roles;
  const items = NAV.filter((item) => item.roles(roles));
  // Below the sm breakpoint the navbar slides off-screen when collapsed: hide it from keyboard and screen readers too.
  const mobile = useMediaQuery('(max-width: 48em)') ?? false;

  useEffect(() => close(), [location.pathname, close]);

  const matches = (to: string) => (to === '/' ? location.pathname === '/' : location.pathname === to || location.pathname.startsWith(`${to}/`));
  // The most specific entry is the current one (/questionnaires/struggling, not /questionnaires too).
  const current = items.filter((item) => matches(item.to)).sort((a, b) => b.to.length - a.to.length)[0]?.to;
  const isActive = (to: string) => to === current;

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? t('nav.closeMenu') : t('nav.openMenu')} aria-expanded={opened} aria-controls="main-navigation" />
            <Text component={Link} to={homeFor(roles)} fw={700} size="lg" c="blue.9" td="none">
              Emarge
            </Text>
            <Text size="sm" c="gray.8" visibleFrom="md" truncate>
              {session.organisation.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LanguageSwitch />
            <Text size="sm" visibleFrom="sm" data-testid="current-user">
              {session.person.givenName} {session.person.familyName}
            </Text>
            <Button
              size="xs"
              variant="outline"
              onClick={async () => {
                await signOut();
                navigate('/sign-in');
              }}
            >
              {t('nav.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" id="main-navigation" aria-label={t('nav.label')} component="nav" style={mobile && !opened ? { visibility: 'hidden' } : undefined}>
        <Stack gap={2}>
          {items.map((item) => (
            <NavLink key={item.to} variant="filled" component={Link} to={item.to} label={t(item.label)} active={isActive(item.to)} aria-current={isActive(item.to) ? 'page' : undefined} />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main-content" tabIndex={-1}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
