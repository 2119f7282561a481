// easel_e2e_y4m VIDEO OUT.y4m [FRAMES]: the first FRAMES frames of a video (default 90) as a
// 640x480 Y4M file (YUV 4:2:0), the raw format Chromium's fake camera plays in a loop
// (--use-file-for-fake-video-capture). The studio's end-to-end test films two sample videos
// this way.
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: easel_e2e_y4m VIDEO OUT.y4m [FRAMES]\n");
    return 2;
  }
  const int frames = argc > 3 ? std::atoi(argv[3]) : 90;
  cv::VideoCapture video(argv[1]);
  if (!video.isOpened()) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out << "YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n";
  cv::Mat frame, small, yuv;
  int written = 0;
  while (written < frames && video.read(frame)) {
    cv::resize(frame, small, cv::Size(640, 480), 0, 0, cv::INTER_AREA);
    cv::cvtColor(small, yuv, cv::COLOR_BGR2YUV_I420);  // Y plane, then U, then V
    out << "FRAME\n";
    out.write(reinterpret_cast<const char*>(yuv.data), static_cast<std::streamsize>(yuv.total() * yuv.elemSize()));
    ++written;
  }
  std::printf("%d frames of %s written to %s\n", written, argv[1], argv[2]);
  return written > 0 && out ? 0 : 1;
}
