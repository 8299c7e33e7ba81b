/**
 * The local text classifier's contract: trained from labelled texts (banking77 for measurement,
 * the installation's own categorised tickets in production), serialisable so a trained model
 * can be stored and loaded without retraining.
 */
export interface LabelledText {
  text: string;
  label: string;
}

export interface Prediction {
  label: string;
  /** 0..1 */
  confidence: number;
  /** Best first. */
  candidates: Array<{ label: string; confidence: number }>;
}

export interface TextClassifier {
  readonly labels: readonly string[];
  predict(text: string, topK?: number): Prediction;
  /** A JSON-safe snapshot that `loadClassifier` turns back into an equal classifier. */
  serialize(): unknown;
}
