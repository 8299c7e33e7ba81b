// The DataSource for the typeorm CLI (`npm run migration:*`); the app builds its own in the container.
import 'dotenv/config';
import { loadStorageConfig } from './src/config/config';
import { createDataSource } from './src/platform/db/data-source';

const config = loadStorageConfig();
export default createDataSource({ ...config.db, applicationName: 'crm-cli' });
