import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runEvaluateCommand } from '../../src/modules/intelligence/categorizer/evaluate.command';
import { supportTexts } from './support-texts';

const toCsv = (rows: Array<{ text: string; label: string }>) =>
  ['text,category', ...rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`)].join('\n');

describe('categorizer:evaluate command', () => {
  let dir: string;
  let trainCsv: string;
  let testCsv: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'categorizer-'));
    trainCsv = path.join(dir, 'train.csv');
    testCsv = path.join(dir, 'test.csv');
    await writeFile(trainCsv, toCsv(supportTexts(12, 1)));
    await writeFile(testCsv, toCsv(supportTexts(5, 2)));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = async (args: string[]) => {
    const lines: string[] = [];
    await runEvaluateCommand(args, (line) => lines.push(line));
    return lines;
  };

  it('when given --folds, then it prints the parameters, each fold and the mean', async () => {
    const lines = await run(['--train', trainCsv, '--folds', '3']);
    expect(lines[1]).toMatch(/^parameters: \{.*"C":0\.5/);
    expect(lines[2]).toBe(`train: ${trainCsv} — 48 texts, 4 labels`);
    expect(
      lines.filter((l) => /^fold \d: accuracy [\d.]+ %, macro-F1 [\d.]+ %, train /.test(l)),
    ).toHaveLength(3);
    expect(lines.at(-1)).toMatch(
      /^mean: accuracy [\d.]+ % ± [\d.]+ %, macro-F1 [\d.]+ % ± [\d.]+ %, train [\d.]+ s per fold .*model [\d.]+ kB/,
    );
  });

  it('when given --test, then it trains on one file and measures on the other', async () => {
    const lines = await run(['--train', trainCsv, '--test', testCsv, '--c', '1', '--seed', '7']);
    expect(lines[1]).toMatch(/"C":1,.*"seed":7/);
    expect(lines.at(-1)).toMatch(
      /^result: accuracy [\d.]+ %, macro-F1 [\d.]+ %, train [\d.]+ s \(48 texts\), predict [\d.]+ s \(20 texts\)/,
    );
  });

  it('when the arguments are wrong, then it says which', async () => {
    await expect(run([])).rejects.toThrow('--train <csv> is required');
    await expect(run(['--train', trainCsv, '--test', testCsv, '--folds', '3'])).rejects.toThrow(
      /either --test or --folds/,
    );
    await expect(run(['--train', trainCsv, '--folds', '1'])).rejects.toThrow(
      /--folds must be an integer ≥ 2/,
    );
    await expect(run(['--train', trainCsv, '--c', '0'])).rejects.toThrow(/--c must be a positive number/);
    await expect(run(['--train', trainCsv, '--c=abc'])).rejects.toThrow(/--c must be a positive number/);
    await expect(run(['--train', path.join(dir, 'missing.csv')])).rejects.toThrow(/ENOENT/);
  });
});
