import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ImportRunStatus = 'running' | 'completed' | 'failed';

/** One ticket import from Gorgias; its cursor is persisted after every page so it can resume. */
@Entity('gorgias_import_runs')
export class GorgiasImportRunEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') status: ImportRunStatus;
  /** The next page to fetch; null before the first page. */
  @Column('text', { nullable: true }) cursor: string | null;
  @Column('int') done: number;
  @Column('int') created: number;
  @Column('int') updated: number;
  @Column('int') unchanged: number;
  @Column('int') messages: number;
  @Column('text', { nullable: true }) jobId: string | null;
  @Column('uuid', { nullable: true }) requesterId: string | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('timestamptz') startedAt: Date;
  @Column('timestamptz') updatedAt: Date;
  @Column('timestamptz', { nullable: true }) finishedAt: Date | null;
}

/** A webhook delivery we accepted; a second delivery with the same key is ignored. */
@Entity('gorgias_webhook_deliveries')
export class GorgiasWebhookDeliveryEntity {
  @Column('text', { primary: true }) deliveryKey: string;
  @Column('text') topic: string;
  @Column('timestamptz') receivedAt: Date;
}
