import type { Kysely } from 'kysely';
import { execScript } from '../sql-script.ts';
import { enableTenantIsolation } from '../tenant-isolation.ts';

/**
 * Questionnaires (issue 4): the builder's questionnaires, sections, questions
 * and question banks; distributions attached to a program, module, session or
 * cohort; personal invitations; responses and their answers.
 *
 * Anonymity: an invitation (who was asked) and a response (what was answered)
 * are separate rows. An identified response carries person_id and
 * invitation_id; an anonymous one carries neither: it is found again only by
 * `resume_key_hash`, a hash derived from the respondent's token that differs
 * from the invitation's token hash, so the database alone cannot join them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    CREATE TABLE questionnaires (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('positioning', 'quiz', 'satisfaction_hot', 'satisfaction_cold', 'trainer_feedback', 'funder_feedback')),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      description text NOT NULL DEFAULT '',
      locale text NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
      anonymous boolean NOT NULL DEFAULT false,
      settings jsonb NOT NULL DEFAULT '{}'::jsonb,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed')),
      version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      template_key text,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      PRIMARY KEY (organisation_id, id)
    );
    CREATE INDEX questionnaires_title_idx ON questionnaires (organisation_id, title, id);

    CREATE TABLE question_banks (
      organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id)
    );

    CREATE TABLE questionnaire_sections (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      questionnaire_id uuid NOT NULL,
      title text NOT NULL DEFAULT '',
      description text NOT NULL DEFAULT '',
      position integer NOT NULL DEFAULT 0,
      draw jsonb,
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, questionnaire_id) REFERENCES questionnaires (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX questionnaire_sections_q_idx ON questionnaire_sections (organisation_id, questionnaire_id, position);

    CREATE TABLE questions (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      questionnaire_id uuid,
      section_id uuid,
      bank_id uuid,
      type text NOT NULL CHECK (type IN ('single', 'multiple', 'rating', 'likert', 'nps', 'short_text', 'long_text', 'number', 'date', 'ranking')),
      prompt text NOT NULL CHECK (length(prompt) BETWEEN 1 AND 5000),
      help text NOT NULL DEFAULT '',
      required boolean NOT NULL DEFAULT false,
      position integer NOT NULL DEFAULT 0,
      options jsonb NOT NULL DEFAULT '[]'::jsonb,
      settings jsonb NOT NULL DEFAULT '{}'::jsonb,
      display_if jsonb,
      points numeric(8,2) NOT NULL DEFAULT 0 CHECK (points >= 0),
      skills text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (organisation_id, id),
      CHECK ((questionnaire_id IS NOT NULL AND section_id IS NOT NULL) OR bank_id IS NOT NULL),
      FOREIGN KEY (organisation_id, questionnaire_id) REFERENCES questionnaires (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, section_id) REFERENCES questionnaire_sections (organisation_id, id) ON DELETE CASCADE,
      FOREIGN KEY (organisation_id, bank_id) REFERENCES question_banks (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX questions_section_idx ON questions (organisation_id, section_id, position);
    CREATE INDEX questions_bank_idx ON questions (organisation_id, bank_id);

    CREATE TABLE questionnaire_distributions (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      questionnaire_id uuid NOT NULL,
      target_type text NOT NULL CHECK (target_type IN ('program', 'module', 'session', 'cohort')),
      target_id uuid NOT NULL,
      trigger text NOT NULL CHECK (trigger IN ('now', 'before_first_session', 'end_of_session', 'end_of_module', 'end_of_program', 'days_after_end')),
      trigger_days integer CHECK (trigger_days IS NULL OR trigger_days BETWEEN 0 AND 3650),
      audience text NOT NULL CHECK (audience IN ('learners', 'trainers', 'external')),
      external_emails text[] NOT NULL DEFAULT '{}',
      reminder_days integer[] NOT NULL DEFAULT '{}',
      due_at timestamptz,
      closes_at timestamptz,
      status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sent', 'closed')),
      sent_at timestamptz,
      reminders_sent integer NOT NULL DEFAULT 0,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, questionnaire_id) REFERENCES questionnaires (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX questionnaire_distributions_due_idx ON questionnaire_distributions (status, due_at);

    CREATE TABLE questionnaire_invitations (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      distribution_id uuid NOT NULL,
      questionnaire_id uuid NOT NULL,
      person_id uuid,
      email text NOT NULL,
      cohort_id uuid,
      responded boolean NOT NULL DEFAULT false,
      sent_at timestamptz,
      last_reminded_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organisation_id, id),
      UNIQUE (organisation_id, distribution_id, email),
      FOREIGN KEY (organisation_id, distribution_id) REFERENCES questionnaire_distributions (organisation_id, id) ON DELETE CASCADE
    );

    -- A personal link's token, stored as a hash; a reminder adds a new token (every one stays valid).
    CREATE TABLE questionnaire_invitation_tokens (
      organisation_id uuid NOT NULL,
      token_hash text NOT NULL PRIMARY KEY,
      invitation_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (organisation_id, invitation_id) REFERENCES questionnaire_invitations (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX questionnaire_invitation_tokens_inv_idx ON questionnaire_invitation_tokens (organisation_id, invitation_id);

    CREATE TABLE questionnaire_responses (
      organisation_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      questionnaire_id uuid NOT NULL,
      distribution_id uuid,
      invitation_id uuid,
      person_id uuid,
      resume_key_hash text NOT NULL UNIQUE,
      cohort_id uuid,
      module_id uuid,
      session_id uuid,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
      drawn_question_ids uuid[],
      submitted_at timestamptz,
      submissions integer NOT NULL DEFAULT 0,
      score numeric(10,2),
      max_score numeric(10,2),
      passed boolean,
      skill_scores jsonb,
      created_on date NOT NULL DEFAULT current_date,
      PRIMARY KEY (organisation_id, id),
      FOREIGN KEY (organisation_id, questionnaire_id) REFERENCES questionnaires (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX questionnaire_responses_q_idx ON questionnaire_responses (organisation_id, questionnaire_id, status);

    CREATE TABLE questionnaire_answers (
      organisation_id uuid NOT NULL,
      response_id uuid NOT NULL,
      question_id uuid NOT NULL,
      value jsonb NOT NULL,
      score numeric(10,2),
      max_score numeric(10,2),
      PRIMARY KEY (organisation_id, response_id, question_id),
      FOREIGN KEY (organisation_id, response_id) REFERENCES questionnaire_responses (organisation_id, id) ON DELETE CASCADE
    );
    CREATE INDEX questionnaire_answers_question_idx ON questionnaire_answers (organisation_id, question_id);
    `,
  );
  for (const table of ['questionnaires', 'question_banks', 'questionnaire_sections', 'questions', 'questionnaire_distributions', 'questionnaire_invitations', 'questionnaire_invitation_tokens', 'questionnaire_responses', 'questionnaire_answers']) {
    await enableTenantIsolation(db, table);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    DROP TABLE IF EXISTS questionnaire_answers;
    DROP TABLE IF EXISTS questionnaire_responses;
    DROP TABLE IF EXISTS questionnaire_invitation_tokens;
    DROP TABLE IF EXISTS questionnaire_invitations;
    DROP TABLE IF EXISTS questionnaire_distributions;
    DROP TABLE IF EXISTS questions;
    DROP TABLE IF EXISTS questionnaire_sections;
    DROP TABLE IF EXISTS question_banks;
    DROP TABLE IF EXISTS questionnaires;
    `,
  );
}
