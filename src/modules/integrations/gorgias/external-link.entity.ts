import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const linkEntityTypes = ['ticket', 'message', 'customer'] as const;
export type LinkEntityType = (typeof linkEntityTypes)[number];
/** Where the object was born: at the provider (imported) or in the CRM (pushed). */
export type LinkOrigin = 'provider' | 'crm';

/** One of our rows and its id in an outside system (Gorgias…); unique both ways per provider. */
@Entity('external_links')
export class ExternalLinkEntity {
  @PrimaryColumn('text') provider: string;
  @PrimaryColumn('text') entityType: LinkEntityType;
  @PrimaryColumn('uuid') entityId: string;
  @Column('text') externalId: string;
  @Column('text') origin: LinkOrigin;
  /** The provider-side status we last saw or set (tickets). */
  @Column('text', { nullable: true }) externalStatus: string | null;
  /** The provider's `updated_datetime` when we last synced the object. */
  @Column('timestamptz', { nullable: true }) externalUpdatedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
