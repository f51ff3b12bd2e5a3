import type { LoadedConfig } from '../config/load.js';
import { configuredTemplates } from './configured-templates.js';
import type { TemplateSet } from './templates/load.js';

/** How a destination's messages look, for the route a notification came through. */
export interface MessageLook {
  template: string;
  username: string | undefined;
  avatarUrl: string | undefined;
  /** Base of links in messages, when Alertmanager's own externalURL is not reachable. */
  externalUrl: string | undefined;
}

/** Every setting rendering needs, resolved once at start from the configuration. */
export interface RenderSettings {
  templates: TemplateSet;
  lookFor(destination: string, route?: string): MessageLook;
}

/** The routes as rendering sees them: a name, and the template it asks for. */
export interface RouteLook {
  name: string;
  template: string | undefined;
}

/**
 * Loads and checks the templates (a broken one stops amcord before it takes any alert it could
 * not render) and resolves each destination's name, avatar and each route's template.
 */
export function resolveRenderSettings(loaded: LoadedConfig, routes: readonly RouteLook[], extraTemplates: readonly string[] = []): RenderSettings {
  const { config } = loaded;
  const templates = configuredTemplates(loaded, extraTemplates);
  const templateOfRoute = new Map(routes.map((route) => [route.name, route.template]));
  return {
    templates,
    lookFor(destination, route) {
      const named = config.destinations[destination];
      return {
        template: (route === undefined ? undefined : templateOfRoute.get(route)) ?? config.templates.name,
        username: named?.username ?? config.discord.username,
        avatarUrl: named?.avatar_url ?? config.discord.avatar_url,
        externalUrl: config.alertmanager.external_url,
      };
    },
  };
}
