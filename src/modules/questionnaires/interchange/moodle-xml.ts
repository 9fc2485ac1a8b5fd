import type { QuestionOption } from '../questionnaire.table.ts';
import { cleanSkills, InterchangeSyntaxError, type QuizItem } from './quiz-item.ts';
import { child, children, escapeXml, parseXml, textOf, type XmlElement } from './xml.ts';

/**
 * Moodle XML for quizzes: multichoice (single or multiple, answer fractions),
 * truefalse, shortanswer, numerical (with tolerance), essay; answer feedback,
 * general feedback and default grade (points). Categories are skipped; other
 * question types are refused by name (with their position).
 */

const ENT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', eacute: 'é', egrave: 'è', ecirc: 'ê', agrave: 'à', acirc: 'â', ocirc: 'ô', ucirc: 'û', ugrave: 'ù', icirc: 'î', iuml: 'ï', ccedil: 'ç', laquo: '«', raquo: '»', rsquo: '’' };
/** Plain text of Moodle HTML: tags removed, paragraphs and breaks as new lines, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|[a-z]+);/gi, (m, e: string) => (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENT[e] ?? ENT[e.toLowerCase()] ?? m)))
    .replace(/[ \t]+/g, ' ')
    .trim();
}
function textToHtml(s: string): string {
  return s.split('\n').map((l) => `<p>${l.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!)}</p>`).join('');
}
const cdata = (s: string) => `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

function richText(el: XmlElement | undefined): string {
  if (!el) return '';
  const t = textOf(el);
  // Text declared plain (or markdown) is taken as it is: "<h1>" in a plain_text answer is the answer, not a tag.
  // Without a declared format, markup decides.
  const format = el.attrs.format;
  if (format === 'plain_text' || format === 'markdown') return t.trim();
  return format === 'html' || format === 'moodle_auto_format' || /<\w/.test(t) ? htmlToText(t) : t;
}

/** Parses a Moodle XML quiz file; XML syntax errors give their line and column. */
export function parseMoodleXml(source: string): QuizItem[] {
  const root = parseXml(source);
  if (root.name !== 'quiz') throw new InterchangeSyntaxError(`the root element must be <quiz>, not <${root.name}>`, 1, 1);
  const items: QuizItem[] = [];
  children(root, 'question').forEach((q, index) => {
    const type = q.attrs.type ?? '';
    if (type === 'category') return;
    const name = textOf(q, 'name') || `Q${index + 1}`;
    const prompt = richText(child(q, 'questiontext'));
    const points = Number(textOf(q, 'defaultgrade') || '1');
    const general = richText(child(q, 'generalfeedback'));
    const settingsBase = general ? { feedback: general } : {};
    const tags = child(q, 'tags');
    const skills = tags ? cleanSkills(children(tags, 'tag').map((t) => textOf(t))) : [];
    const before = items.length;

    const answers = children(q, 'answer').map((a) => ({ fraction: Number(a.attrs.fraction ?? '0'), text: richText(a), feedback: richText(child(a, 'feedback')), el: a }));
    const bad = (message: string): never => {
      throw new InterchangeSyntaxError(`question ${index + 1} ("${name}"): ${message}`, 1, 1);
    };
    if (!prompt) bad('the question text is empty');
    if (!Number.isFinite(points) || points < 0) bad('defaultgrade must be a number ≥ 0');
    switch (type) {
      case 'multichoice': {
        const single = textOf(q, 'single') !== 'false';
        const options: QuestionOption[] = answers.map((a, k) => ({ id: `o${k + 1}`, label: a.text, correct: a.fraction > 0, ...(single || a.fraction === 100 ? {} : { weight: a.fraction }), ...(a.feedback ? { feedback: a.feedback } : {}) }));
        if (options.length < 2) bad('a multiple-choice question needs at least two answers');
        if (!options.some((o) => o.correct)) bad('no answer has a positive fraction');
        items.push({ name, prompt, points, type: single ? 'single' : 'multiple', options, settings: single ? settingsBase : { ...settingsBase, scoring: 'partial' } });
        break;
      }
      case 'truefalse': {
        const truth = answers.find((a) => a.text.toLowerCase() === 'true');
        const falsity = answers.find((a) => a.text.toLowerCase() === 'false');
        if (!truth || !falsity) bad('a true/false question needs the answers "true" and "false"');
        const options: QuestionOption[] = [
          { id: 'true', label: 'Vrai / True', correct: truth!.fraction > 0, ...(truth!.feedback ? { feedback: truth!.feedback } : {}) },
          { id: 'false', label: 'Faux / False', correct: falsity!.fraction > 0, ...(falsity!.feedback ? { feedback: falsity!.feedback } : {}) },
        ];
        items.push({ name, prompt, points, type: 'single', options, settings: settingsBase, trueFalse: true });
        break;
      }
      case 'shortanswer': {
        const accepted = answers.filter((a) => a.fraction === 100).map((a) => a.text);
        if (!accepted.length) bad('a short-answer question needs an answer with fraction 100');
        items.push({ name, prompt, points, type: 'short_text', options: [], settings: { ...settingsBase, acceptedAnswers: accepted } });
        break;
      }
      case 'numerical': {
        const right = answers.find((a) => a.fraction === 100);
        const value = Number(right?.text);
        if (!right || !Number.isFinite(value)) bad('a numerical question needs a numeric answer with fraction 100');
        const tolerance = Number(textOf(right!.el, 'tolerance') || '0');
        items.push({ name, prompt, points, type: 'number', options: [], settings: { ...settingsBase, correctNumber: value, tolerance: Number.isFinite(tolerance) ? tolerance : 0 } });
        break;
      }
      case 'essay':
        items.push({ name, prompt, points, type: 'long_text', options: [], settings: settingsBase });
        break;
      default:
        bad(`the question type "${type}" is not supported (multichoice, truefalse, shortanswer, numerical, essay)`);
    }
    if (skills.length && items.length > before) items[items.length - 1]!.skills = skills;
  });
  return items;
}

const fmt = (n: number) => String(Math.round(n * 100000) / 100000);

/** Writes quiz items as Moodle XML. */
export function toMoodleXml(items: readonly QuizItem[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', '<quiz>'];
  for (const item of items) {
    const type = item.trueFalse ? 'truefalse' : item.type === 'single' || item.type === 'multiple' ? 'multichoice' : item.type === 'short_text' ? 'shortanswer' : item.type === 'number' ? 'numerical' : 'essay';
    const lines = [
      `  <question type="${type}">`,
      `    <name><text>${escapeXml(item.name)}</text></name>`,
      `    <questiontext format="html"><text>${cdata(textToHtml(item.prompt))}</text></questiontext>`,
      `    <generalfeedback format="html"><text>${item.settings.feedback ? cdata(textToHtml(item.settings.feedback)) : ''}</text></generalfeedback>`,
      `    <defaultgrade>${fmt(item.points)}</defaultgrade>`,
    ];
    if (item.skills?.length) lines.push(`    <tags>${item.skills.map((tag) => `<tag><text>${escapeXml(tag)}</text></tag>`).join('')}</tags>`);
    const answer = (fraction: number, text: string, feedback?: string, extra = '') =>
      `    <answer fraction="${fmt(fraction)}" format="plain_text"><text>${escapeXml(text)}</text>${extra}<feedback format="html"><text>${feedback ? cdata(textToHtml(feedback)) : ''}</text></feedback></answer>`;
    if (type === 'truefalse') {
      for (const id of ['true', 'false']) {
        const o = item.options.find((x) => x.id === id);
        lines.push(answer(o?.correct ? 100 : 0, id, o?.feedback));
      }
    } else if (type === 'multichoice') {
      const single = item.type === 'single';
      const right = item.options.filter((o) => o.correct).length || 1;
      lines.push(`    <single>${single}</single>`, '    <shuffleanswers>true</shuffleanswers>', '    <answernumbering>abc</answernumbering>');
      for (const o of item.options) lines.push(answer(single ? (o.correct ? 100 : 0) : (o.weight ?? (o.correct ? 100 / right : -100 / Math.max(1, item.options.length - right))), o.label, o.feedback));
    } else if (type === 'shortanswer') {
      lines.push('    <usecase>0</usecase>');
      for (const a of item.settings.acceptedAnswers ?? []) lines.push(answer(100, a));
    } else if (type === 'numerical') {
      lines.push(answer(100, fmt(item.settings.correctNumber ?? 0), undefined, `<tolerance>${fmt(item.settings.tolerance ?? 0)}</tolerance>`));
    }
    lines.push('  </question>');
    out.push(...lines);
  }
  out.push('</quiz>', '');
  return out.join('\n');
}
