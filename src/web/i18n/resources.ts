import enCore from './en.json' with { type: 'json' };
import frCore from './fr.json' with { type: 'json' };
import enOversight from './oversight.en.json' with { type: 'json' };
import frOversight from './oversight.fr.json' with { type: 'json' };
import enProblems from './problems.en.json' with { type: 'json' };
import frProblems from './problems.fr.json' with { type: 'json' };
import enQuestionnaires from './questionnaires.en.json' with { type: 'json' };
import frQuestionnaires from './questionnaires.fr.json' with { type: 'json' };
import enRisk from './risk.en.json' with { type: 'json' };
import frRisk from './risk.fr.json' with { type: 'json' };
import enResponses from './responses.en.json' with { type: 'json' };
import frResponses from './responses.fr.json' with { type: 'json' };
import enSheets from './sheets.en.json' with { type: 'json' };
import frSheets from './sheets.fr.json' with { type: 'json' };
import enSigning from './signing.en.json' with { type: 'json' };
import frSigning from './signing.fr.json' with { type: 'json' };

/**
 * The translation resources, split into one file per area so that work on different pages does not
 * collide: `fr.json`/`en.json` hold the core app and every API error message, `problems.*.json` the wording of
 * every problem item (a field's or a CSV line's error); each area file adds keys,
 * possibly inside an existing group (deep merge), but may never redefine a string another file defines.
 */
type Tree = { [key: string]: string | Tree };

export const AREAS: Record<'fr' | 'en', Record<string, Tree>> = {
  fr: { core: frCore, questionnaires: frQuestionnaires, responses: frResponses, sheets: frSheets, signing: frSigning, oversight: frOversight, problems: frProblems, risk: frRisk },
  en: { core: enCore, questionnaires: enQuestionnaires, responses: enResponses, sheets: enSheets, signing: enSigning, oversight: enOversight, problems: enProblems, risk: enRisk },
};

/** Merges `source` into `target`; returns the dotted keys both define as strings (or string vs group). */
export function mergeInto(target: Tree, source: Tree, prefix = ''): string[] {
  const clashes: string[] = [];
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (existing === undefined) target[key] = typeof value === 'string' ? value : mergeCopy(value);
    else if (typeof existing === 'string' || typeof value === 'string') clashes.push(`${prefix}${key}`);
    else clashes.push(...mergeInto(existing, value, `${prefix}${key}.`));
  }
  return clashes;
}
function mergeCopy(tree: Tree): Tree {
  const copy: Tree = {};
  mergeInto(copy, tree);
  return copy;
}

function build(language: 'fr' | 'en'): Tree {
  const merged: Tree = {};
  for (const area of Object.values(AREAS[language])) mergeInto(merged, area);
  return merged;
}

export const fr: Tree = build('fr');
export const en: Tree = build('en');
