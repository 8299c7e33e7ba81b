import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TicketChannel, TicketMetadata, TicketPriority, TicketStatus } from './ticket.types';

export const bigintAsNumber = {
  to: (v: number | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

@Entity('tickets')
export class TicketEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'bigint', insert: false, update: false, transformer: bigintAsNumber }) number: number;
  @Column('text') subject: string;
  @Column('text') status: TicketStatus;
  @Column('text') priority: TicketPriority;
  @Column('text') channel: TicketChannel;
  @Column('uuid') customerId: string;
  @Column('uuid', { nullable: true }) assigneeId: string | null;
  @Column('text', { array: true }) tags: string[];
  @Column('text', { nullable: true }) category: string | null;
  @Column('jsonb') metadata: TicketMetadata;
  @Column('timestamptz', { nullable: true }) firstRespondedAt: Date | null;
  @Column('timestamptz', { nullable: true }) resolvedAt: Date | null;
  @Column('timestamptz', { nullable: true }) closedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { nullable: true, select: false }) deletedAt: Date | null;
}
