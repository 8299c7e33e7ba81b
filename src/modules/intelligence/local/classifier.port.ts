/** The one place the intelligence module gets its text classifier from (the local categoriser). */
export type { LabelledText, Prediction, TextClassifier } from '../categorizer/text-classifier';
export { chooseClassifier, loadClassifier, trainClassifier } from '../categorizer/categorizer';
export { keywordClassifier } from '../categorizer/keyword.classifier';
