import type { Logger } from '../../../platform/logging/logger';
import type { IntelligenceRepository } from '../intelligence.repository';
import { chooseClassifier, keywordClassifier, loadClassifier, type TextClassifier } from './classifier.port';

const modelName = 'ticket-categories';
/** The newest human-categorised tickets a retrain learns from: enough for a desk's categories, and small
 * enough that training (CPU-bound, in the worker) stays well inside bull's 30 s job lock. */
const maxExamples = 5_000;

export interface RetrainOutcome {
  examples: number;
  labels: number;
  version: number;
}

/**
 * The installation's ticket categoriser: trained by the retrain job from tickets people have
 * categorised, stored in Postgres (so every API and worker process shares it and it survives
 * restarts), and kept in memory by each process, which re-reads it when its version changes.
 * Until a model exists, keyword rules answer.
 */
export class CategoryModel {
  private classifier: TextClassifier = keywordClassifier();
  private version: number | null = null;
  private checkedAt = 0;
  private loading?: Promise<TextClassifier>;

  constructor(
    private readonly repo: IntelligenceRepository,
    private readonly minExamples: number,
    private readonly logger: Logger,
    private readonly recheckMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current classifier; checks for a newer stored model at most once per `recheckMs`. */
  current(): Promise<TextClassifier> {
    if (this.now() - this.checkedAt < this.recheckMs) return Promise.resolve(this.classifier);
    this.loading ??= this.refresh().finally(() => (this.loading = undefined));
    return this.loading;
  }

  async retrain(): Promise<RetrainOutcome> {
    const examples = await this.repo.trainingExamples(maxExamples);
    const classifier = chooseClassifier(examples, this.minExamples);
    const version = await this.repo.saveModel(
      modelName,
      classifier.serialize(),
      examples.length,
      classifier.labels,
    );
    this.classifier = classifier;
    this.version = version;
    this.checkedAt = this.now();
    this.logger.info(
      { examples: examples.length, labels: classifier.labels.length, version },
      'categoriser retrained',
    );
    return { examples: examples.length, labels: classifier.labels.length, version };
  }

  private async refresh(): Promise<TextClassifier> {
    try {
      const version = await this.repo.modelVersion(modelName);
      if (version !== null && version !== this.version) {
        const stored = await this.repo.loadModel(modelName);
        if (stored) {
          this.classifier = loadClassifier(stored.model);
          this.version = stored.version;
        }
      }
      this.checkedAt = this.now();
    } catch (err) {
      // Keep answering with what we have; try again on the next call.
      this.logger.warn({ err }, 'could not load the stored categoriser; keeping the current one');
    }
    return this.classifier;
  }
}
