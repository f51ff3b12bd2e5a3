/** The parts of Discord's message objects amcord sends (webhook execute and message edit bodies). */
export interface DiscordEmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

export interface DiscordEmbed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  fields?: DiscordEmbedField[];
  footer?: { text: string; icon_url?: string };
  author?: { name: string; url?: string; icon_url?: string };
}

export interface AllowedMentions {
  parse?: Array<'roles' | 'users' | 'everyone'>;
  roles?: string[];
  users?: string[];
}

/** Buttons under a message (an action row); only bot and application-owned messages may carry them. */
export interface DiscordActionRow {
  type: number;
  components: readonly object[];
}

export interface DiscordMessage {
  content?: string;
  components?: DiscordActionRow[];
  username?: string;
  avatar_url?: string;
  embeds?: DiscordEmbed[];
  allowed_mentions?: AllowedMentions;
}
