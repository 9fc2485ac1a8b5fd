import { Alert, Button, Group, List, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type ChangeEvent, type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { groupAttributeListSchema } from '../../modules/analytics/analytics.schemas.ts';
import { api } from '../api/client.ts';
import type { FairnessResult } from '../api/types.ts';
import { Facts, Section, useNumber } from '../components/facts.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

type GroupAttributeList = z.infer<typeof groupAttributeListSchema>;

/** One value per line of an uploaded or pasted CSV: `email;value` (or `,` / tab); a header line is skipped. */
export function parseAttributeCsv(text: string): { values: Array<{ email: string; value: string }>; errors: Array<{ line: number; content: string }> } {
  const values: Array<{ email: string; value: string }> = [];
  const errors: Array<{ line: number; content: string }> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const separator = line.includes(';') ? ';' : line.includes('\t') ? '\t' : ',';
    const [email = '', value = ''] = line.split(separator).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
    if (i === 0 && !email.includes('@')) return; // header
    if (!email.includes('@') || !value) errors.push({ line: i + 1, content: line });
    else values.push({ email, value });
  });
  return { values, errors };
}

/** The admin's form: an attribute name, its legal basis, and the values as a CSV file or pasted lines (email;value). */
function DeclareAttributeForm({ onRecorded }: { onRecorded: (message: string) => void }) {
  const { t } = useTranslation();
  const fileId = useId();
  const [attribute, setAttribute] = useState('');
  const [legalBasis, setLegalBasis] = useState('');
  const [lines, setLines] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const parsed = parseAttributeCsv(lines);

  async function readFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.currentTarget.files?.[0];
    if (file) setLines(await file.text());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.post<{ attribute: string; recorded: number }>('/analytics/group-attributes', { attribute: attribute.trim(), legalBasis: legalBasis.trim(), values: parsed.values });
      onRecorded(t('fairness.recorded', { attribute: result.attribute, count: result.recorded }));
      setAttribute('');
      setLegalBasis('');
      setLines('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="declare-attribute-title" data-testid="declare-attribute">
      <Stack gap="xs">
        <Title order={3} size="h5" id="declare-attribute-title">
          {t('fairness.declare')}
        </Title>
        <TextInput
          label={t('fairness.name')}
          description={t('fairness.nameHelp')}
          value={attribute}
          onChange={(e) => setAttribute(e.currentTarget.value)}
          required
          pattern="[a-z][a-z0-9_]{0,39}"
          maw={360}
        />
        <Textarea label={t('fairness.legalBasis')} description={t('fairness.legalBasisHelp')} value={legalBasis} onChange={(e) => setLegalBasis(e.currentTarget.value)} required minLength={3} maxLength={1000} autosize minRows={2} />
        <Stack gap={4}>
          <Text component="label" htmlFor={fileId} size="sm" fw={500}>
            {t('fairness.file')}
          </Text>
          <input id={fileId} type="file" accept=".csv,text/csv,text/plain" data-testid="attribute-file" onChange={(e) => void readFile(e)} />
        </Stack>
        <Textarea label={t('fairness.lines')} description={t('fairness.linesHelp')} value={lines} onChange={(e) => setLines(e.currentTarget.value)} autosize minRows={3} maxRows={10} styles={{ input: { fontFamily: 'monospace' } }} />
        <Text size="sm" role="status" data-testid="attribute-lines">
          {t('fairness.linesRead', { count: parsed.values.length })}
        </Text>
        {parsed.errors.length > 0 && (
          <Alert color="#a3390b" variant="outline" title={t('fairness.badLines', { count: parsed.errors.length })}>
            <List size="sm">
              {parsed.errors.slice(0, 10).map((l) => (
                <List.Item key={l.line}>{t('fairness.badLine', { line: l.line, content: l.content })}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        <ErrorAlert error={error} />
        <Group>
          <Button type="submit" loading={busy} disabled={!attribute.trim() || legalBasis.trim().length < 3 || parsed.values.length === 0 || parsed.errors.length > 0}>
            {t('fairness.record')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Group attributes for the fairness audit (on the models page): what is recorded, with its legal basis and
 * counts per value (never who has which value); admins declare, replace or erase an attribute.
 */
export function GroupAttributesPanel() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const tz = me.organisation.timezone;
  const admin = me.person.roles.includes('admin');
  const state = useApi((signal) => api.get<GroupAttributeList>('/analytics/group-attributes', undefined, signal), []);
  const [message, setMessage] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function erase(attribute: string) {
    setError(null);
    try {
      await api.delete(`/analytics/group-attributes/${encodeURIComponent(attribute)}`);
      setMessage(t('fairness.erased', { attribute }));
      setConfirming(null);
      state.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Section title={t('fairness.title')} testId="group-attributes">
      <Text size="sm">{t('fairness.intro')}</Text>
      {message && (
        <Text size="sm" c="teal.9" role="status" data-testid="group-attributes-message">
          {message}
        </Text>
      )}
      <ErrorAlert error={error} />
      <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('fairness.empty')}>
        {(data) => (
          <Table.ScrollContainer minWidth={640}>
            <Table striped data-testid="group-attribute-list">
              <Table.Caption>{t('fairness.caption')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('fairness.name')}</Table.Th>
                  <Table.Th scope="col">{t('fairness.legalBasis')}</Table.Th>
                  <Table.Th scope="col">{t('fairness.people')}</Table.Th>
                  <Table.Th scope="col">{t('fairness.values')}</Table.Th>
                  <Table.Th scope="col">{t('fairness.lastRecorded')}</Table.Th>
                  {admin && <Table.Th scope="col">{t('fairness.actions')}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((a) => (
                  <Table.Tr key={a.attribute} data-testid="group-attribute">
                    <Table.Th scope="row">{a.attribute}</Table.Th>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{a.legalBases.join(' ; ')}</Table.Td>
                    <Table.Td>{a.people}</Table.Td>
                    <Table.Td>{a.values.map((v) => `${v.value} : ${v.people}`).join(' · ')}</Table.Td>
                    <Table.Td>{formatDateTime(a.lastRecordedAt, tz, i18n.language)}</Table.Td>
                    {admin && (
                      <Table.Td>
                        {confirming === a.attribute ? (
                          <Group gap="xs" wrap="nowrap">
                            <Button size="xs" color="red.9" onClick={() => void erase(a.attribute)}>
                              {t('fairness.confirmErase', { attribute: a.attribute })}
                            </Button>
                            <Button size="xs" variant="default" onClick={() => setConfirming(null)}>
                              {t('common.cancel')}
                            </Button>
                          </Group>
                        ) : (
                          <Button size="xs" variant="outline" color="red.9" onClick={() => setConfirming(a.attribute)} aria-label={t('fairness.eraseNamed', { attribute: a.attribute })}>
                            {t('fairness.erase')}
                          </Button>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
      {admin ? (
        <DeclareAttributeForm
          onRecorded={(m) => {
            setMessage(m);
            state.reload();
          }}
        />
      ) : (
        <Text size="sm" c="gray.8">
          {t('fairness.adminOnly')}
        </Text>
      )}
    </Section>
  );
}

const flagged = (bad: boolean) => (bad ? { color: 'var(--mantine-color-red-9)', fontWeight: 700 } : undefined);

/** The fairness report of one model version for a recorded attribute: per group, disparity ratios, warnings in the reader's language. */
export function FairnessPanel({ modelId }: { modelId: string }) {
  const { t } = useTranslation();
  const num = useNumber();
  const list = useApi((signal) => api.get<GroupAttributeList>('/analytics/group-attributes', undefined, signal), []);
  const attributes = (list.data?.items ?? []).map((a) => a.attribute);
  const [chosen, setChosen] = useState<string | null>(null);
  const asked = chosen ?? attributes[0] ?? null;
  const state = useApi((signal) => (asked ? api.get<FairnessResult>(`/analytics/models/${modelId}/fairness`, { attribute: asked }, signal) : Promise.resolve(null)), [modelId, asked]);
  return (
    <Section title={t('card.fairness')}>
      <Text size="sm">{t('card.fairnessIntro')}</Text>
      <ErrorAlert error={list.error} />
      {list.data && attributes.length === 0 && <Text size="sm">{t('fairness.noneRecorded')}</Text>}
      {attributes.length > 0 && (
        <Select label={t('card.attribute')} data={attributes} value={asked} onChange={(v) => setChosen(v)} allowDeselect={false} maw={320} data-testid="fairness-attribute" />
      )}
      {asked && (
        <LoadState state={state}>
          {(f) =>
            f && (
              <Stack gap="xs" data-testid="fairness-report">
                <Text size="sm">
                  {t('card.legalBasis')} : {f.legalBases.join(' ; ')}
                </Text>
                <Text size="sm" c="gray.8">
                  {t('fairness.evaluatedOn')} {t('fairness.neverInput')}
                </Text>
                {f.warningDetails.length > 0 && (
                  <Alert color="#a3390b" variant="outline" title={t('card.warnings')} data-testid="fairness-warnings">
                    <List size="sm">
                      {f.warningDetails.map((w) => (
                        <List.Item key={w.code}>{t(`fairness.warning.${w.code}`, { ...w.params, defaultValue: f.warnings[f.warningDetails.indexOf(w)] })}</List.Item>
                      ))}
                    </List>
                  </Alert>
                )}
                {f.report && (
                  <>
                    <Table.ScrollContainer minWidth={760}>
                      <Table striped>
                        <Table.Caption>{f.flagRule === 'weekly_bands' ? t('card.fairnessCaptionBands', { attribute: f.attribute }) : t('card.fairnessCaption', { attribute: f.attribute, threshold: num(f.report.threshold) })}</Table.Caption>
                        <Table.Thead>
                          <Table.Tr>
                            <Table.Th scope="col">{t('card.group')}</Table.Th>
                            <Table.Th scope="col">{t('card.n')}</Table.Th>
                            <Table.Th scope="col">{t('card.baseRate')}</Table.Th>
                            <Table.Th scope="col">AUC</Table.Th>
                            <Table.Th scope="col">{t('card.tpr')}</Table.Th>
                            <Table.Th scope="col">{t('card.fpr')}</Table.Th>
                            <Table.Th scope="col">{t('card.selectionRate')}</Table.Th>
                            <Table.Th scope="col">{t('card.meanPredicted')}</Table.Th>
                            <Table.Th scope="col">{t('card.calibrationGap')}</Table.Th>
                            <Table.Th scope="col">ECE</Table.Th>
                          </Table.Tr>
                        </Table.Thead>
                        <Table.Tbody>
                          {f.report.groups.map((g) => {
                            const small = f.report!.smallGroups.includes(g.group);
                            return (
                              <Table.Tr key={g.group}>
                                <Table.Th scope="row">
                                  {g.group}
                                  {small && (
                                    <Text size="xs" c="#a3390b">
                                      {t('card.smallGroup')}
                                    </Text>
                                  )}
                                </Table.Th>
                                <Table.Td>{g.n}</Table.Td>
                                <Table.Td>{num(g.baseRate)}</Table.Td>
                                <Table.Td>{num(g.auc)}</Table.Td>
                                <Table.Td>{num(g.tpr)}</Table.Td>
                                <Table.Td>{num(g.fpr)}</Table.Td>
                                <Table.Td>{num(g.selectionRate)}</Table.Td>
                                <Table.Td>{num(g.meanPredicted)}</Table.Td>
                                <Table.Td style={flagged(Math.abs(g.calibrationGap) > 0.1)}>{num(g.calibrationGap)}</Table.Td>
                                <Table.Td>{num(g.ece)}</Table.Td>
                              </Table.Tr>
                            );
                          })}
                        </Table.Tbody>
                      </Table>
                    </Table.ScrollContainer>
                    <Facts
                      rows={[
                        [t('card.tprRatio'), <span style={flagged((f.report.disparity.tprRatio ?? 1) < 0.8)}>{num(f.report.disparity.tprRatio)}</span>],
                        [t('card.fprRatio'), <span style={flagged((f.report.disparity.fprRatio ?? 1) < 0.8)}>{num(f.report.disparity.fprRatio)}</span>],
                        [t('card.selectionRatio'), <span style={flagged((f.report.disparity.selectionRateRatio ?? 1) < 0.8)}>{num(f.report.disparity.selectionRateRatio)}</span>],
                        [t('card.aucGap'), <span style={flagged((f.report.disparity.aucGap ?? 0) > 0.1)}>{num(f.report.disparity.aucGap)}</span>],
                        [t('card.maxCalibrationGap'), <span style={flagged((f.report.disparity.maxCalibrationGap ?? 0) > 0.1)}>{num(f.report.disparity.maxCalibrationGap)}</span>],
                      ]}
                    />
                    <Text size="xs" c="gray.8">
                      {t('card.ratioHelp')}
                    </Text>
                  </>
                )}
              </Stack>
            )
          }
        </LoadState>
      )}
    </Section>
  );
}
