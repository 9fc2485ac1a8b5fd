/**
 * Writes a copy of an OULAD folder holding only some presentations (e.g.
 * train = 2013B + 2013J, test = 2014B), so that training and evaluation read
 * disjoint folders. Files without a code_presentation column are filtered
 * through their keys (studentAssessment through id_assessment).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

function filterLines(text: string, keep: (cells: string[], header: string[]) => boolean): string {
  const lines = text.split('\n');
  const header = lines[0]!.replace(/\r$/, '').split(',');
  const out = [lines[0]!];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    if (keep(line.replace(/\r$/, '').split(','), header)) out.push(line);
  }
  return `${out.join('\n')}\n`;
}

export function filterOuladPresentations(sourceDir: string, targetDir: string, presentations: readonly string[]): void {
  const wanted = new Set(presentations);
  mkdirSync(targetDir, { recursive: true });
  const byPresentation = (cells: string[], header: string[]): boolean => wanted.has(cells[header.indexOf('code_presentation')]!);
  for (const file of ['courses.csv', 'assessments.csv', 'studentInfo.csv', 'studentRegistration.csv', 'vle.csv']) {
    const src = path.join(sourceDir, file);
    if (!existsSync(src)) continue;
    writeFileSync(path.join(targetDir, file), filterLines(readFileSync(src, 'utf8'), byPresentation));
  }
  const assessmentIds = new Set<string>();
  const assessments = readFileSync(path.join(targetDir, 'assessments.csv'), 'utf8').split('\n').slice(1);
  for (const line of assessments) if (line) assessmentIds.add(line.split(',')[2]!);
  const sa = path.join(sourceDir, 'studentAssessment.csv');
  if (existsSync(sa)) writeFileSync(path.join(targetDir, 'studentAssessment.csv'), filterLines(readFileSync(sa, 'utf8'), (cells, header) => assessmentIds.has(cells[header.indexOf('id_assessment')]!)));
  const vle = path.join(sourceDir, 'studentVle.csv.gz');
  if (existsSync(vle)) {
    const text = filterLines(gunzipSync(readFileSync(vle)).toString('utf8'), byPresentation);
    writeFileSync(path.join(targetDir, 'studentVle.csv.gz'), gzipSync(text, { level: 1 }));
  }
}
