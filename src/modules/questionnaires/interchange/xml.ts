import { InterchangeSyntaxError, positionOf } from './quiz-item.ts';

/** A minimal XML element tree: enough for Moodle XML (elements, attributes, text, CDATA, comments, entities). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Parses an XML document; a syntax error gives its line and column. */
export function parseXml(source: string): XmlElement {
  const text = source.replace(/^\uFEFF/, '');
  let i = 0;
  const fail = (message: string, at = i): never => {
    const { line, column } = positionOf(text, at);
    throw new InterchangeSyntaxError(message, line, column);
  };
  const decode = (s: string, at: number) =>
    s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|&/g, (m, ent: string | undefined, off: number) => {
      if (!ent) fail('"&" must be written &amp;', at + off);
      if (ent!.startsWith('#x')) return String.fromCodePoint(parseInt(ent!.slice(2), 16));
      if (ent!.startsWith('#')) return String.fromCodePoint(parseInt(ent!.slice(1), 10));
      if (!(ent! in ENTITIES)) fail(`unknown entity &${ent};`, at + off);
      return ENTITIES[ent!]!;
    });
  const skipMisc = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end < 0) fail('processing instruction never closed');
        i = end + 2;
      } else if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) fail('comment never closed');
        i = end + 3;
      } else if (text.startsWith('<!DOCTYPE', i)) {
        const end = text.indexOf('>', i);
        if (end < 0) fail('DOCTYPE never closed');
        i = end + 1;
      } else return;
    }
  };
  const name = () => {
    const m = /^[A-Za-z_][\w.:-]*/.exec(text.slice(i, i + 200));
    if (!m) fail('an element or attribute name is expected here');
    i += m![0].length;
    return m![0];
  };
  const element = (): XmlElement => {
    if (text[i] !== '<') fail('"<" expected');
    const start = i;
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(text[i] ?? '')) i++;
      if (text.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      if (i >= text.length) fail(`the tag <${el.name}> is never closed`, start);
      const attr = name();
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== '=') fail(`"=" expected after the attribute ${attr}`);
      i++;
      while (/\s/.test(text[i] ?? '')) i++;
      const q = text[i];
      if (q !== '"' && q !== "'") fail(`the value of ${attr} must be quoted`);
      const end = text.indexOf(q!, i + 1);
      if (end < 0) fail(`the value of ${attr} is never closed`);
      el.attrs[attr] = decode(text.slice(i + 1, end), i + 1);
      i = end + 1;
    }
    for (;;) {
      if (i >= text.length) fail(`<${el.name}> is never closed (</${el.name}> expected)`, start);
      if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i);
        if (end < 0) fail('CDATA section never closed');
        el.text += text.slice(i + 9, end);
        i = end + 3;
      } else if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) fail('comment never closed');
        i = end + 3;
      } else if (text.startsWith('</', i)) {
        const at = i;
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}> (opened at line ${positionOf(text, start).line})`, at);
        while (/\s/.test(text[i] ?? '')) i++;
        if (text[i] !== '>') fail('">" expected');
        i++;
        return el;
      } else if (text[i] === '<') {
        el.children.push(element());
      } else {
        const next = text.indexOf('<', i);
        const end = next < 0 ? text.length : next;
        el.text += decode(text.slice(i, end), i);
        i = end;
      }
    }
  };
  skipMisc();
  if (i >= text.length) fail('the document is empty');
  const root = element();
  skipMisc();
  if (i < text.length) fail('content after the root element');
  return root;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
/** The text of <name><text>…</text></name>, trimmed ('' when absent). */
export function textOf(el: XmlElement | undefined, name?: string): string {
  const target = name ? el && child(el, name) : el;
  if (!target) return '';
  const t = child(target, 'text');
  return (t ? t.text : target.text).trim();
}
