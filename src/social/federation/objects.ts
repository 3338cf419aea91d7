/**
 * Our posts, served to other servers at their ids (`/users/{u}/statuses/{id}` for a Note,
 * `/users/{u}/articles/{id}` for an Article), so a server that receives a boost, a reply or a
 * like of one of them can fetch it. Only public and unlisted posts are served; the others answer
 * 404, as if they did not exist.
 */
import { Article, Note } from '@fedify/vocab';
import type { Federation } from '@fedify/fedify';
import type { LocalPosts } from './ports.ts';
import { POST_PATHS, postObject } from './activities.ts';

export function registerPostObjects(federation: Federation<void>, posts: LocalPosts): void {
  const find = async (username: string, id: string, type: 'Note' | 'Article') => {
    const post = await posts.byId(username, id);
    if (!post || post.type !== type || post.username !== username) return null;
    if (post.visibility !== 'public' && post.visibility !== 'unlisted') return null;
    return post;
  };
  federation.setObjectDispatcher(Note, POST_PATHS.Note, async (ctx, values) => {
    const post = await find(values.identifier, values.id, 'Note');
    return post ? (postObject(ctx, post) as Note) : null;
  });
  federation.setObjectDispatcher(Article, POST_PATHS.Article, async (ctx, values) => {
    const post = await find(values.identifier, values.id, 'Article');
    return post ? (postObject(ctx, post) as Article) : null;
  });
}
