import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const customerTiers = ['standard', 'vip'] as const;
export type CustomerTier = (typeof customerTiers)[number];

@Entity('customers')
export class CustomerEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Stored lower-cased; unique. Null only once the customer's personal data was erased. */
  @Column('text', { nullable: true }) email: string | null;
  @Column('text', { nullable: true }) name: string | null;
  @Column('text', { nullable: true }) phone: string | null;
  @Column('text', { nullable: true }) shopifyCustomerId: string | null;
  @Column('text', { nullable: true }) language: string | null;
  @Column('text', { nullable: true }) timezone: string | null;
  @Column('text', { nullable: true }) communicationChannel: string | null;
  @Column('text') tier: CustomerTier;
  @Column('timestamptz', { nullable: true }) lastContactAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
