import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A refresh token, stored hashed. Tokens of one login form a family: each use rotates to a new
 * token in the same family, and presenting an already-used token revokes the whole family.
 */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid') familyId: string;
  @Column('uuid') agentId: string;
  @Column('text') tokenHash: string;
  @Column('timestamptz') expiresAt: Date;
  @Column('timestamptz', { nullable: true }) usedAt: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
