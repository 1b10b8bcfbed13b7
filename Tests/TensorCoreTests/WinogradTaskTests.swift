import Testing

@testable import TensorCore

/// How the Winograd kernel groups whole images into one task (wider GEMMs for small images).
@Test func winogradGroupsSmallImagesAndKeepsEveryThreadBusy() {
  // VGG conv4 at 128², batch 4, 2 threads: 64 blocks per image, 128 fit: two images per task.
  #expect(winogradImagesPerTask(images: 4, blocksPerImage: 64, maximumBlocks: 128, threads: 2) == 2)
  // conv5_1 at 128², batch 16: 16 blocks, 8 images per task, 2 tasks.
  #expect(winogradImagesPerTask(images: 16, blocksPerImage: 16, maximumBlocks: 128, threads: 2) == 8)
  // An image of more than half the blocks is split into row tiles instead.
  #expect(winogradImagesPerTask(images: 4, blocksPerImage: 65, maximumBlocks: 128, threads: 2) == 1)
  // Never fewer tasks than threads: 3 images on 2 threads stay one per task.
  #expect(winogradImagesPerTask(images: 3, blocksPerImage: 16, maximumBlocks: 512, threads: 2) == 1)
  // The task count is a multiple of the thread count: 6 images on 2 threads are 2 tasks of 3.
  #expect(winogradImagesPerTask(images: 6, blocksPerImage: 16, maximumBlocks: 512, threads: 2) == 3)
  // One thread takes every image that fits in one task.
  #expect(winogradImagesPerTask(images: 5, blocksPerImage: 16, maximumBlocks: 512, threads: 1) == 5)
}
