import { api } from "../lib/api";

export interface Attachment {
  id: number;
  url: string;
  name?: string;
  content_type?: string;
  size?: number;
}

/** Upload a file for an image or file block of the page; the server checks size and type. */
export async function uploadAttachment(pageId: number, file: File): Promise<Attachment> {
  const form = new FormData();
  form.append("file", file, file.name);
  return api<Attachment>("POST", `/pages/${pageId}/attachments`, form);
}
