import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../platform/security/actor';
import type { AgentStatus, Seniority } from './agent.types';

@Entity('agents')
export class AgentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Stored lower-cased; unique. */
  @Column('text') email: string;
  @Column('text') name: string;
  @Column('text', { select: false }) passwordHash: string;
  @Column('text') role: Role;
  @Column('text', { nullable: true }) department: string | null;
  @Column('text') status: AgentStatus;
  @Column('int') maxConcurrentTickets: number;
  @Column('boolean') acceptsNew: boolean;
  @Column('text', { array: true }) specializations: string[];
  @Column('text', { array: true }) languages: string[];
  @Column('text') seniority: Seniority;
  @Column('boolean') active: boolean;
  @Column('timestamptz', { nullable: true }) lastAssignedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
