import { AppError } from '../../../platform/errors/app-error';

/** A stored classifier that cannot be loaded: wrong shape, wrong version or inconsistent arrays. */
export class InvalidClassifierError extends AppError {
  constructor(readonly problems: string[]) {
    super('classifier_invalid', `Not a valid serialised classifier: ${problems.join('; ')}`, 422, problems);
  }
}

/** Training asked of data that cannot train a model (e.g. fewer than two labels). */
export class ClassifierTrainingError extends AppError {
  constructor(message: string) {
    super('classifier_training_failed', message, 422);
  }
}
