import { randomUUID } from 'node:crypto';
import { systemCtx } from '../../platform/auth/actor.ts';
import { hashPassword } from '../../platform/auth/password.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { generateSessionsInTx } from '../catalogue/generate-sessions.ts';
import { addDaysToDate, isoWeekday, localParts } from '../catalogue/session-time.ts';
import type { Role } from '../people/person.table.ts';
import { seedDemoHistory } from './seed-demo-history.ts';

/** The documented password of the demo staff accounts (learners sign in by magic link). */
export const DEMO_PASSWORD = 'emarge-demo-2026';
export const DEMO_SLUG = 'demo';
const DEMO_TIMEZONE = 'Europe/Paris';
const DOMAIN = 'demo.emarge.test';

export interface DemoLogin {
  role: string;
  email: string;
  password: string | null;
  note: string;
}

export interface DemoSeedResult {
  organisation: { id: string; slug: string; name: string };
  logins: DemoLogin[];
}

const STAFF: Array<{ key: string; roles: Role[]; email: string; givenName: string; familyName: string; note: string }> = [
  { key: 'admin', roles: ['admin'], email: `admin@${DOMAIN}`, givenName: 'Claire', familyName: 'Moreau', note: 'organisation admin' },
  { key: 'manager', roles: ['manager'], email: `manager@${DOMAIN}`, givenName: 'Julien', familyName: 'Lefèvre', note: 'training manager' },
  { key: 'trainer1', roles: ['trainer'], email: `trainer1@${DOMAIN}`, givenName: 'Sophie', familyName: 'Laurent', note: 'trainer of cohort "DWWM — Groupe A"' },
  { key: 'trainer2', roles: ['trainer'], email: `trainer2@${DOMAIN}`, givenName: 'Karim', familyName: 'Benali', note: 'trainer of cohort "DWWM — Groupe B"' },
];

const GIVEN_NAMES = [
  'Léa', 'Hugo', 'Chloé', 'Lucas', 'Manon', 'Nathan', 'Camille', 'Théo', 'Inès', 'Louis', 'Sarah', 'Mathis', 'Jade', 'Enzo', 'Emma',
  'Yanis', 'Louise', 'Gabriel', 'Zoé', 'Adam', 'Lina', 'Raphaël', 'Alice', 'Nolan', 'Anaïs', 'Mehdi', 'Clara', 'Tom', 'Maëlys', 'Antoine',
];
const FAMILY_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Michel', 'Garcia', 'David', 'Bertrand',
  'Roux', 'Vincent', 'Fournier', 'Morel', 'Girard', 'André', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martinez', 'Legrand', 'Garnier', 'Faure',
];

const MODULES = [
  { title: 'Développer la partie front-end d’une application web', plannedHours: 133 },
  { title: 'Développer la partie back-end d’une application web', plannedHours: 154 },
  { title: 'Concevoir une base de données', plannedHours: 56 },
  { title: 'Préparer et exécuter les déploiements', plannedHours: 56 },
];

/** 'Chloé' → 'chloe', for email local parts. */
function slugName(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The 30 demo learners: a fixed list, so the demo is the same on every machine. */
export function demoLearners(): Array<{ givenName: string; familyName: string; email: string }> {
  return GIVEN_NAMES.map((givenName, i) => {
    const familyName = FAMILY_NAMES[(i * 7) % FAMILY_NAMES.length]!;
    return { givenName, familyName, email: `${slugName(givenName)}.${slugName(familyName)}@${DOMAIN}` };
  });
}

/** Monday of the week containing `now`, in the demo's time zone. */
export function mondayOf(now: Date, timezone = DEMO_TIMEZONE): string {
  const today = localParts(now, timezone).date;
  return addDaysToDate(today, 1 - isoWeekday(today));
}

/**
 * Seeds the demo organisation in one transaction: staff with the demo password,
 * 30 learners (magic link only) in two cohorts of a 399-hour program with four
 * modules, and two weeks of morning and afternoon sessions for each cohort from
 * the Monday of the week containing `now` (public holidays skipped), generated
 * by the same use-case as the API. Deterministic given `now`.
 */
export async function seedDemo(db: Db, opts: { now: Date }): Promise<DemoSeedResult> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const organisationId = randomUUID();
  const ctx = systemCtx(organisationId);
  const monday = mondayOf(opts.now);
  const name = 'Centre de formation Démo';

  await withTenant(db, organisationId, async (trx) => {
    await trx.insertInto('organisations').values({ id: organisationId, slug: DEMO_SLUG, name, timezone: DEMO_TIMEZONE, locale: 'fr' }).execute();
    await recordAuditEvent(trx, ctx, { type: 'organisation.created', subjectType: 'organisation', subjectId: organisationId, payload: { slug: DEMO_SLUG, name } });

    const learners = demoLearners();
    const people = [
      ...STAFF.map((s) => ({ email: s.email, given_name: s.givenName, family_name: s.familyName, password_hash: passwordHash, roles: s.roles })),
      ...learners.map((l) => ({ email: l.email, given_name: l.givenName, family_name: l.familyName, password_hash: null, roles: ['learner'] as Role[] })),
    ];
    const inserted = await trx
      .insertInto('people')
      .values(people.map(({ roles: _roles, ...p }) => ({ organisation_id: organisationId, ...p })))
      .returning(['id', 'email'])
      .execute();
    const idOf = new Map(inserted.map((r) => [r.email, r.id]));
    await trx
      .insertInto('person_roles')
      .values(people.flatMap((p) => p.roles.map((role) => ({ organisation_id: organisationId, person_id: idOf.get(p.email)!, role }))))
      .execute();
    for (const p of people) {
      await recordAuditEvent(trx, ctx, { type: 'person.created', subjectType: 'person', subjectId: idOf.get(p.email)!, payload: { email: p.email, roles: p.roles } });
    }

    const program = await trx
      .insertInto('programs')
      .values({
        organisation_id: organisationId,
        code: 'DWWM',
        title: 'Développeur web et web mobile',
        objectives: 'Titre professionnel de niveau 5 (bac+2) : développer la partie front-end et la partie back-end d’une application web ou web mobile sécurisée.',
        planned_hours: 399,
        funder: 'OPCO Atlas',
        funding_reference: `ATLAS-${monday.slice(0, 4)}-DWWM-0042`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'program.created', subjectType: 'program', subjectId: program.id, payload: { title: 'Développeur web et web mobile' } });
    const modules = await trx
      .insertInto('modules')
      .values(MODULES.map((m, i) => ({ organisation_id: organisationId, program_id: program.id, title: m.title, position: i + 1, planned_hours: m.plannedHours })))
      .returning('id')
      .execute();

    const cohorts = [
      { name: 'DWWM — Groupe A', trainer: idOf.get(STAFF[2]!.email)!, learners: learners.slice(0, 15), location: 'Salle Ada Lovelace' },
      { name: 'DWWM — Groupe B', trainer: idOf.get(STAFF[3]!.email)!, learners: learners.slice(15), location: 'Salle Alan Turing' },
    ];
    for (const c of cohorts) {
      const cohort = await trx
        .insertInto('cohorts')
        .values({ organisation_id: organisationId, program_id: program.id, name: c.name, starts_on: monday, ends_on: addDaysToDate(monday, 7 * 26 - 3) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAuditEvent(trx, ctx, { type: 'cohort.created', subjectType: 'cohort', subjectId: cohort.id, payload: { programId: program.id, name: c.name } });
      await trx.insertInto('cohort_trainers').values({ organisation_id: organisationId, cohort_id: cohort.id, person_id: c.trainer }).execute();
      const enrolments = await trx
        .insertInto('enrolments')
        .values(c.learners.map((l) => ({ organisation_id: organisationId, cohort_id: cohort.id, person_id: idOf.get(l.email)!, enrolled_at: new Date(`${monday}T07:00:00Z`) })))
        .returning(['id', 'person_id'])
        .execute();
      for (const e of enrolments) {
        await recordAuditEvent(trx, ctx, { type: 'enrolment.created', subjectType: 'enrolment', subjectId: e.id, payload: { cohortId: cohort.id, personId: e.person_id, walkIn: false } });
      }
      await generateSessionsInTx(trx, ctx, cohort.id, {
        from: monday,
        weeks: 2,
        weekdays: [1, 2, 3, 4, 5],
        slots: [
          { startTime: '09:00', endTime: '12:30' },
          { startTime: '13:30', endTime: '17:00' },
        ],
        skipHolidays: true,
        dryRun: false,
        moduleId: modules[0]!.id,
        location: c.location,
      });
    }
    // Past cohorts with simulated attendance and outcomes, so a risk model can be trained out of the box.
    await seedDemoHistory(trx, { organisationId, now: opts.now, monday, timezone: DEMO_TIMEZONE, domain: DOMAIN, trainerIds: [idOf.get(STAFF[2]!.email)!, idOf.get(STAFF[3]!.email)!] });
  });

  return {
    organisation: { id: organisationId, slug: DEMO_SLUG, name },
    logins: [
      ...STAFF.map((s) => ({ role: s.roles[0]!, email: s.email, password: DEMO_PASSWORD, note: s.note })),
      { role: 'learner', email: demoLearners()[0]!.email, password: null, note: 'or any of the 30 learners; the sign-in mail lands in the outbox' },
    ],
  };
}

/** Seeds the demo organisation only on an empty database (first start); returns null otherwise. */
export async function seedDemoIfEmpty(db: Db, opts: { now: Date }): Promise<DemoSeedResult | null> {
  const any = await withSystem(db, (trx) => trx.selectFrom('organisations').select('id').limit(1).executeTakeFirst());
  if (any) return null;
  return seedDemo(db, opts);
}

/** The demo logins as printed at start-up. */
export function formatDemoLogins(result: DemoSeedResult): string {
  const width = Math.max(...result.logins.map((l) => l.email.length));
  return [
    `Demo organisation "${result.organisation.name}" (slug: ${result.organisation.slug}) created. Sign in with:`,
    ...result.logins.map((l) => `  ${l.role.padEnd(8)} ${l.email.padEnd(width)}  ${l.password ? `password: ${l.password}` : 'magic link'}  (${l.note})`),
  ].join('\n');
}
