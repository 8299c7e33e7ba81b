import { defineRoute, defineWebhook, singleHeader, type AnyRoute } from '../../../platform/http/route';
import { Roles } from '../../../platform/security/actor';
import type { SlackEventsService } from './slack-events.service';
import { NotifyBody, NotifyResult, SlackChannelList, SlackEventsBody } from './slack.schemas';
import type { SlackService } from './slack.service';

const notConfigured = { status: 503, description: 'Slack is not configured (no SLACK_BOT_TOKEN)' };

export function slackRoutes(slack: SlackService, events: SlackEventsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/slack/notify',
      summary: 'Queue a message to a Slack channel (the alert channel by default)',
      tags: ['Integrations'],
      roles: Roles.leads,
      body: NotifyBody,
      responses: [
        { status: 202, description: 'Queued; posted within about a second', schema: NotifyResult },
        notConfigured,
      ],
      handler: async ({ body, actor }) => {
        const queued = await slack.notify(actor, body);
        return { status: 202, body: { ...queued, status: 'pending' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/slack/channels',
      summary: 'Channels the Slack bot can see (public and private), cached for a minute',
      tags: ['Integrations'],
      roles: Roles.leads,
      responses: [
        { status: 200, description: 'The channels', schema: SlackChannelList },
        { status: 502, description: 'Slack refused or could not be reached' },
        notConfigured,
      ],
      handler: async () => ({ body: { channels: await slack.listChannels() } }),
    }),
    defineWebhook({
      path: '/api/slack/webhooks/events',
      summary: 'Slack Events API endpoint (signed with the app signing secret)',
      tags: ['Integrations'],
      body: SlackEventsBody,
      responses: [
        { status: 200, description: 'Accepted (or the url_verification challenge)' },
        { status: 401, description: 'Bad or stale signature' },
        notConfigured,
      ],
      receive: async ({ headers, rawBody, body }) => ({
        body: await events.receive({
          timestamp: singleHeader(headers, 'x-slack-request-timestamp'),
          signature: singleHeader(headers, 'x-slack-signature'),
          retryNum: singleHeader(headers, 'x-slack-retry-num'),
          rawBody,
          body,
        }),
      }),
    }),
  ];
}
