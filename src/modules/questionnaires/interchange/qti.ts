import { strToU8, zipSync } from 'fflate';
import type { QuizItem } from './quiz-item.ts';
import { escapeXml } from './xml.ts';

/**
 * QTI 3.0 export of choice items (single, multiple, true/false) as a content
 * package: imsmanifest.xml and one qti-assessment-item per question. Single
 * choice uses the match_correct template; multiple choice map_response with
 * the same partial credit as Emarge ((right − wrong) / right, floored at 0).
 */
const NS = 'http://www.imsglobal.org/xsd/imsqtiasi_v3p0';
const SCHEMA = 'https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd';
const fmt = (n: number) => String(Math.round(n * 100000) / 100000);
/** An XML identifier (NCName) from an option id. */
export const qtiIdentifier = (id: string) => (/^[A-Za-z_][\w.-]*$/.test(id) ? id : `C_${id.replace(/[^\w.-]/g, '_')}`);

export function toQtiItem(item: QuizItem, identifier: string, lang: string): string {
  const multiple = item.type === 'multiple';
  const right = item.options.filter((o) => o.correct);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<qti-assessment-item xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${NS} ${SCHEMA}" identifier="${identifier}" title="${escapeXml(item.name)}" adaptive="false" time-dependent="false" xml:lang="${lang}">`,
    `  <qti-response-declaration identifier="RESPONSE" cardinality="${multiple ? 'multiple' : 'single'}" base-type="identifier">`,
    `    <qti-correct-response>${right.map((o) => `<qti-value>${qtiIdentifier(o.id)}</qti-value>`).join('')}</qti-correct-response>`,
  ];
  if (multiple) {
    const per = item.points / Math.max(1, right.length);
    lines.push(`    <qti-mapping lower-bound="0" upper-bound="${fmt(item.points)}" default-value="0">`);
    for (const o of item.options) lines.push(`      <qti-map-entry map-key="${qtiIdentifier(o.id)}" mapped-value="${fmt(o.correct ? per : -per)}"/>`);
    lines.push('    </qti-mapping>');
  }
  lines.push(
    '  </qti-response-declaration>',
    '  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"><qti-default-value><qti-value>0</qti-value></qti-default-value></qti-outcome-declaration>',
    `  <qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float"><qti-default-value><qti-value>${fmt(item.points)}</qti-value></qti-default-value></qti-outcome-declaration>`,
    '  <qti-item-body>',
    `    <qti-choice-interaction response-identifier="RESPONSE" shuffle="false" max-choices="${multiple ? 0 : 1}">`,
    `      <qti-prompt>${escapeXml(item.prompt)}</qti-prompt>`,
    ...item.options.map((o) => `      <qti-simple-choice identifier="${qtiIdentifier(o.id)}">${escapeXml(o.label)}</qti-simple-choice>`),
    '    </qti-choice-interaction>',
    '  </qti-item-body>',
    `  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/${multiple ? 'map_response' : 'match_correct'}.xml"/>`,
    '</qti-assessment-item>',
    '',
  );
  return lines.join('\n');
}

/** The QTI 3.0 package (zip) of the choice items among `items`; other types are listed as skipped. */
export function toQtiPackage(items: readonly QuizItem[], opts: { title: string; lang: string; identifier: string }): { zip: Uint8Array; files: string[]; skipped: string[] } {
  const files: Record<string, Uint8Array> = {};
  const resources: string[] = [];
  const skipped: string[] = [];
  let n = 0;
  for (const item of items) {
    if (item.type !== 'single' && item.type !== 'multiple') {
      skipped.push(item.name);
      continue;
    }
    n++;
    const id = `item-${n}`;
    const href = `items/${id}.xml`;
    files[href] = strToU8(toQtiItem(item, id, opts.lang));
    resources.push(`    <resource identifier="${id}" type="imsqti_item_xmlv3p0" href="${href}"><file href="${href}"/></resource>`);
  }
  files['imsmanifest.xml'] = strToU8(
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="${escapeXml(opts.identifier)}">`,
      `  <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>`,
      '  <organizations/>',
      '  <resources>',
      ...resources,
      '  </resources>',
      '</manifest>',
      '',
    ].join('\n'),
  );
  return { zip: zipSync(files, { mtime: new Date('2026-01-01T00:00:00Z') }), files: Object.keys(files).sort(), skipped };
}
