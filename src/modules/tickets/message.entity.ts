import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export interface Attachment {
  url: string;
  name: string;
  contentType?: string;
  size?: number;
}

export const deliveryStatuses = ['pending', 'sent', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];
export type AuthorType = 'agent' | 'customer';

@Entity('messages')
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') ticketId: string;
  @Column('text') authorType: AuthorType;
  /** The agent who wrote it, or who recorded it on the customer's behalf. */
  @Column('uuid', { nullable: true }) agentId: string | null;
  @Column('uuid', { nullable: true }) customerId: string | null;
  @Column('text') body: string;
  @Column('text', { nullable: true }) bodyHtml: string | null;
  @Column('boolean') internal: boolean;
  @Column('jsonb') attachments: Attachment[];
  @Column('text') deliveryStatus: DeliveryStatus;
  @Column('timestamptz', { nullable: true }) readAt: Date | null;
  @Column('uuid', { nullable: true }) readBy: string | null;
  @Column('timestamptz', { nullable: true }) editedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { nullable: true, select: false }) deletedAt: Date | null;
}
