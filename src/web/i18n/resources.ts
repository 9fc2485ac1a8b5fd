import enCore from './en.json' with { type: 'json' };
import frCore from './fr.json' with { type: 'json' };
import enQuestionnaires from './questionnaires.en.json' with { type: 'json' };
import frQuestionnaires from './questionnaires.fr.json' with { type: 'json' };

/**
 * The translation resources, one file per area so that work on different pages does not collide:
 * `fr.json`/`en.json` hold the core app (and every API error message); `questionnaires.*.json` the
 * questionnaire pages, under their own top-level keys. Top-level keys must not repeat across files.
 */
export const fr: Record<string, unknown> = { ...frCore, ...frQuestionnaires };
export const en: Record<string, unknown> = { ...enCore, ...enQuestionnaires };
